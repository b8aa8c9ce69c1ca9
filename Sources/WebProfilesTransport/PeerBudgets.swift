import Synchronization

/// What each peer uid holds on one listener: connections and buffered bytes, against per-peer
/// limits, so that one local service cannot take what the others need.
///
/// Connections charge it when they hold more than a few bytes of a peer's data: calls running as
/// tasks (until the task ends, even after the connection is gone), frames received in part, and
/// answers the peer does not read.
final class PeerBudgets: Sendable {
    private struct Usage {
        var connections = 0
        var bytes = 0
    }

    private struct State {
        var usage: [UInt32: Usage] = [:]
        var maxConnectionsPerPeer: Int
        var maxBytesPerPeer: Int

        mutating func forgetIfUnused(_ uid: UInt32) {
            if let entry = usage[uid], entry.connections <= 0, entry.bytes <= 0 { usage.removeValue(forKey: uid) }
        }
    }

    private let state: Mutex<State>

    init(maxConnectionsPerPeer: Int, maxBytesPerPeer: Int) {
        state = Mutex(State(maxConnectionsPerPeer: maxConnectionsPerPeer, maxBytesPerPeer: maxBytesPerPeer))
    }

    /// New limits, for connections and charges from now on.
    func update(maxConnectionsPerPeer: Int, maxBytesPerPeer: Int) {
        state.withLock {
            $0.maxConnectionsPerPeer = maxConnectionsPerPeer
            $0.maxBytesPerPeer = maxBytesPerPeer
        }
    }

    /// Counts a new connection of `uid`; false (nothing counted) if it has its maximum.
    func openConnection(uid: UInt32) -> Bool {
        state.withLock { state in
            var usage = state.usage[uid, default: Usage()]
            guard usage.connections < state.maxConnectionsPerPeer else { return false }
            usage.connections += 1
            state.usage[uid] = usage
            return true
        }
    }

    func closeConnection(uid: UInt32) {
        state.withLock { state in
            state.usage[uid]?.connections -= 1
            state.forgetIfUnused(uid)
        }
    }

    /// Charges `bytes` to `uid`; false (nothing charged) if that would exceed its budget.
    func charge(uid: UInt32, bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        return state.withLock { state in
            var usage = state.usage[uid, default: Usage()]
            guard usage.bytes + bytes <= state.maxBytesPerPeer else { return false }
            usage.bytes += bytes
            state.usage[uid] = usage
            return true
        }
    }

    func release(uid: UInt32, bytes: Int) {
        guard bytes > 0 else { return }
        state.withLock { state in
            state.usage[uid]?.bytes -= bytes
            state.forgetIfUnused(uid)
        }
    }

    /// Connections and bytes `uid` holds now (tests, statistics).
    func usage(of uid: UInt32) -> (connections: Int, bytes: Int) {
        state.withLock { state in
            let usage = state.usage[uid] ?? Usage()
            return (usage.connections, usage.bytes)
        }
    }
}
