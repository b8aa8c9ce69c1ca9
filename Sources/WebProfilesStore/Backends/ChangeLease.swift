import Dispatch
import Synchronization

/// How fresh a daemon's knowledge of other daemons' commits is: the send time of its newest
/// heartbeat that came back on the listening connection. Notifications arrive in commit order,
/// so when a heartbeat sent at T has come back, every change committed before T has been heard
/// (and applied to the caches). Memory is trusted for ``duration`` after T: a revocation is then
/// honoured on every daemon no later than ``duration`` after its commit, whatever fails in
/// between (a stalled listener, a paused database, a partition): without a fresh echo the caches
/// are bypassed.
package final class ChangeLease: Sendable {
    package let duration: Duration
    /// The send time (uptime nanoseconds) of the newest echoed heartbeat; 0: none yet.
    private let echoedSendTime = Atomic<UInt64>(0)

    package init(duration: Duration) {
        self.duration = duration
    }

    private var durationNanoseconds: UInt64 {
        UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
    }

    /// Whether memory may answer now.
    package var isFresh: Bool {
        let sent = echoedSendTime.load(ordering: .acquiring)
        return sent != 0 && DispatchTime.now().uptimeNanoseconds < sent &+ durationNanoseconds
    }

    /// A heartbeat sent at `sentAt` (``now``) came back.
    package func renew(sentAt: UInt64) {
        var current = echoedSendTime.load(ordering: .relaxed)
        while sentAt > current {
            let (exchanged, original) = echoedSendTime.compareExchange(expected: current, desired: sentAt, ordering: .releasing)
            if exchanged { return }
            current = original
        }
    }

    /// The listening connection is gone: nothing vouches for memory until it is back.
    package func expire() {
        echoedSendTime.store(0, ordering: .releasing)
    }

    /// The clock heartbeats are stamped with.
    package static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }
}
