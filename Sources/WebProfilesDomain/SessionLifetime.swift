import Foundation

/// When a session ends by itself: at its absolute expiry, or once unused for the idle timeout.
/// The one statement of the rule, for the cache, the database reads and the purge.
public struct SessionLifetime: Sendable, Hashable {
    /// Seconds a session may stay unused.
    public var idleTimeout: TimeInterval

    public init(idleTimeout: TimeInterval) {
        self.idleTimeout = idleTimeout
    }

    /// Whether a session expiring at `expiresAt` and last used at `lastSeenAt` is live at `now`.
    public func isLive(expiresAt: Date, lastSeenAt: Date, at now: Date) -> Bool {
        expiresAt > now && now.timeIntervalSince(lastSeenAt) < idleTimeout
    }

    /// When such a session ends if it is not used again.
    public func end(expiresAt: Date, lastSeenAt: Date) -> Date {
        min(expiresAt, lastSeenAt.addingTimeInterval(idleTimeout))
    }

    /// Sessions last used at or before this instant are no longer live at `now` (the purge's form
    /// of ``isLive(expiresAt:lastSeenAt:at:)``, with `expiresAt <= now`).
    public func idleCutoff(at now: Date) -> Date {
        now.addingTimeInterval(-idleTimeout)
    }
}
