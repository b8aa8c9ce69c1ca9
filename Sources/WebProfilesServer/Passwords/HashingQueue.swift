import Synchronization

/// Password-hashing jobs waiting for a hashing thread: one queue per peer, served round-robin,
/// so that a peer flooding logins waits behind itself and never in front of the others. Its
/// length is bounded by the ``HashingAdmission`` every check passes first.
final class HashingQueue: Sendable {
    /// A waiting job: `run` on a hashing thread, or `cancel` if its caller gave up first.
    struct Job: Sendable {
        var run: @Sendable () -> Void
        var cancel: @Sendable () -> Void
    }

    private struct Entry {
        var id: UInt64
        var job: Job
    }

    private struct State {
        var queues: [UInt32: [Entry]] = [:]
        /// Peers with waiting jobs, in service order; `next` is the one served next.
        var ring: [UInt32] = []
        var next = 0
        var waiting = 0
        var nextID: UInt64 = 0

        mutating func dropPeer(at index: Int) {
            queues.removeValue(forKey: ring[index])
            ring.remove(at: index)
            if next > index { next -= 1 }
            if next >= ring.count { next = 0 }
        }
    }

    private let state = Mutex(State())

    init() {}

    /// Jobs waiting now.
    var waiting: Int { state.withLock { $0.waiting } }

    /// Queues `job` for `peer`; returns its id.
    func enqueue(peer: UInt32, _ job: Job) -> UInt64 {
        state.withLock { state in
            state.nextID &+= 1
            if state.queues[peer] == nil {
                state.queues[peer] = []
                state.ring.append(peer)
            }
            state.queues[peer]!.append(Entry(id: state.nextID, job: job))
            state.waiting += 1
            return state.nextID
        }
    }

    /// Takes the next job, the peers taking turns.
    func takeNext() -> Job? {
        state.withLock { state in
            guard !state.ring.isEmpty else { return nil }
            let index = state.next
            let peer = state.ring[index]
            let entry = state.queues[peer]!.removeFirst()
            state.waiting -= 1
            if state.queues[peer]!.isEmpty {
                state.dropPeer(at: index)
            } else {
                state.next = (index + 1) % state.ring.count
            }
            return entry.job
        }
    }

    /// Takes a job out before it runs (its caller gave up); nil if it is running or done.
    func remove(id: UInt64, peer: UInt32) -> Job? {
        state.withLock { state in
            guard let position = state.queues[peer]?.firstIndex(where: { $0.id == id }) else { return nil }
            let entry = state.queues[peer]!.remove(at: position)
            state.waiting -= 1
            if state.queues[peer]!.isEmpty, let index = state.ring.firstIndex(of: peer) { state.dropPeer(at: index) }
            return entry.job
        }
    }
}
