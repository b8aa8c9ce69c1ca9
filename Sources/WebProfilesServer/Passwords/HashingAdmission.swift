import Synchronization
import WebProfilesWire

/// Who may start a password check now: at most `maxTotal` checks in progress (from their first
/// database write to their last), at most `maxPerPeer` of one peer uid, and a peer with none in
/// progress is always let in, so that a few busy peers can never shut out another one.
///
/// Taken before a check writes anything, it bounds the database writes and the hashing work
/// every peer can cause; the hashing queue behind it then needs no bound of its own.
final class HashingAdmission: Sendable {
    /// One admitted check; it gives its place back once released (or when dropped).
    final class Ticket: Sendable {
        private let admission: HashingAdmission
        private let peer: UInt32
        private let released = Atomic<Bool>(false)

        fileprivate init(admission: HashingAdmission, peer: UInt32) {
            self.admission = admission
            self.peer = peer
        }

        func release() {
            guard !released.exchange(true, ordering: .relaxed) else { return }
            admission.leave(peer)
        }

        deinit { release() }
    }

    private struct State {
        var total = 0
        var perPeer: [UInt32: Int] = [:]
    }

    private let state = Mutex(State())
    let maxTotal: Int
    let maxPerPeer: Int

    init(maxTotal: Int, maxPerPeer: Int) {
        self.maxTotal = maxTotal
        self.maxPerPeer = maxPerPeer
    }

    static let busy = RPCError(code: .resourceExhausted, message: "too many password checks in progress; try again shortly")

    /// A place for one check of `peer`; RESOURCE_EXHAUSTED when there is none.
    func admit(peer: UInt32) throws(RPCError) -> Ticket {
        let admitted = state.withLock { state -> Bool in
            let mine = state.perPeer[peer, default: 0]
            guard mine < maxPerPeer, state.total < maxTotal || mine == 0 else { return false }
            state.perPeer[peer] = mine + 1
            state.total += 1
            return true
        }
        guard admitted else { throw Self.busy }
        return Ticket(admission: self, peer: peer)
    }

    /// Checks in progress now.
    var inProgress: Int { state.withLock { $0.total } }

    private func leave(_ peer: UInt32) {
        state.withLock { state in
            state.total -= 1
            let mine = state.perPeer[peer, default: 1] - 1
            state.perPeer[peer] = mine > 0 ? mine : nil
        }
    }
}
