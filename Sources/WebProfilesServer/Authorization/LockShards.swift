import Synchronization

/// Some states, each under its own lock in its own object, a key choosing which: the event
/// loops that read the cache on every call take different locks for different sessions instead
/// of one lock for all.
final class LockShards<State: Sendable>: Sendable {
    /// One state and its lock, in an object of its own (so that two shards' locks do not sit
    /// side by side in one array's storage).
    private final class Shard: Sendable {
        let state: Mutex<State>
        init(_ state: sending State) { self.state = Mutex(state) }
    }

    private let shards: [Shard]

    /// - Parameter count: how many shards; a power of two.
    init(count: Int, _ makeState: () -> State) {
        precondition(count > 0 && count & (count - 1) == 0, "a power of two")
        shards = (0..<count).map { _ in Shard(makeState()) }
    }

    var count: Int { shards.count }

    /// The shard of a key whose bits are already uniformly spread (a digest's word).
    func index(spread bits: UInt64) -> Int { Int(truncatingIfNeeded: bits) & (shards.count - 1) }

    /// The shard of an id.
    func index(spreadOf id: CompactID) -> Int { index(spread: id.spreadBits) }

    /// Runs `body` on shard `index`'s state, under its lock.
    func withLock<Result: Sendable>(_ index: Int, _ body: (inout State) -> Result) -> Result {
        shards[index].state.withLock { state in body(&state) }
    }

    /// Runs `body` on every shard's state, one lock at a time.
    func forEach(_ body: (inout State) -> Void) {
        for index in shards.indices { withLock(index, body) }
    }
}
