import Synchronization
import Testing
import WebProfilesWire
@testable import WebProfilesServer

/// What the jobs did, in order.
final class JobLog: Sendable {
    private let entries = Mutex<[String]>([])
    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

@Suite("Hashing queue")
struct HashingQueueTests {
    func job(_ log: JobLog, _ name: String) -> HashingQueue.Job {
        HashingQueue.Job(run: { log.append(name) }, cancel: { log.append("cancelled " + name) })
    }

    @Test func peersTakeTurns() {
        let queue = HashingQueue()
        let log = JobLog()
        for i in 0..<5 { _ = queue.enqueue(peer: 1, job(log, "a\(i)")) }
        _ = queue.enqueue(peer: 2, job(log, "b0"))
        _ = queue.enqueue(peer: 3, job(log, "c0"))
        while let next = queue.takeNext() { next.run() }
        #expect(log.all == ["a0", "b0", "c0", "a1", "a2", "a3", "a4"])
        #expect(queue.waiting == 0)
    }

    @Test func onePeerCannotTakeEveryPlace() throws {
        let admission = HashingAdmission(maxTotal: 4, maxPerPeer: 2)
        let a1 = try admission.admit(peer: 1), a2 = try admission.admit(peer: 1)
        #expect(throws: RPCError.self) { try admission.admit(peer: 1) }
        let b1 = try admission.admit(peer: 2), b2 = try admission.admit(peer: 2)
        // Full, but a peer with nothing in progress is still let in.
        #expect(throws: RPCError.self) { try admission.admit(peer: 2) }
        let c1 = try admission.admit(peer: 3)
        #expect(throws: RPCError.self) { try admission.admit(peer: 3) }
        #expect(admission.inProgress == 5)
        a1.release()
        a1.release()
        #expect(admission.inProgress == 4)
        _ = (a2, b1, b2, c1)
    }

    @Test func aDroppedTicketGivesItsPlaceBack() throws {
        let admission = HashingAdmission(maxTotal: 1, maxPerPeer: 1)
        do { _ = try admission.admit(peer: 1) }
        #expect(admission.inProgress == 0)
        _ = try admission.admit(peer: 1)
    }

    @Test func aJobTakenOutNeverRuns() {
        let queue = HashingQueue()
        let log = JobLog()
        let first = queue.enqueue(peer: 1, job(log, "a0"))
        _ = queue.enqueue(peer: 1, job(log, "a1"))
        queue.remove(id: first, peer: 1)?.cancel()
        #expect(queue.remove(id: first, peer: 1) == nil)
        while let next = queue.takeNext() { next.run() }
        #expect(log.all == ["cancelled a0", "a1"])
    }
}
