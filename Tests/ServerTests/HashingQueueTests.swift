import Synchronization
import Testing
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
        let queue = HashingQueue(maxWaiting: 100, maxWaitingPerPeer: 50)
        let log = JobLog()
        for i in 0..<5 { _ = queue.enqueue(peer: 1, job(log, "a\(i)")) }
        _ = queue.enqueue(peer: 2, job(log, "b0"))
        _ = queue.enqueue(peer: 3, job(log, "c0"))
        while let next = queue.takeNext() { next.run() }
        #expect(log.all == ["a0", "b0", "c0", "a1", "a2", "a3", "a4"])
        #expect(queue.waiting == 0)
    }

    @Test func onePeerCannotFillTheQueue() {
        let queue = HashingQueue(maxWaiting: 8, maxWaitingPerPeer: 2)
        let log = JobLog()
        #expect(queue.enqueue(peer: 1, job(log, "a")) != nil)
        #expect(queue.enqueue(peer: 1, job(log, "a")) != nil)
        #expect(queue.enqueue(peer: 1, job(log, "a")) == nil)
        #expect(queue.enqueue(peer: 2, job(log, "b")) != nil)
    }

    @Test func aJobTakenOutNeverRuns() {
        let queue = HashingQueue(maxWaiting: 8, maxWaitingPerPeer: 8)
        let log = JobLog()
        let first = queue.enqueue(peer: 1, job(log, "a0"))!
        _ = queue.enqueue(peer: 1, job(log, "a1"))
        queue.remove(id: first, peer: 1)?.cancel()
        #expect(queue.remove(id: first, peer: 1) == nil)
        while let next = queue.takeNext() { next.run() }
        #expect(log.all == ["cancelled a0", "a1"])
    }
}
