import Synchronization
import WebProfilesDomain

/// The authentication and session policy in force, read by the services on every use; a reload
/// replaces it for all of them at once.
final class LiveConfiguration: Sendable {
    private let value: Mutex<AuthConfiguration>
    /// The session idle timeout's bits, readable without the lock (every call reads it).
    private let idleTimeoutBits: Atomic<UInt64>

    init(_ configuration: AuthConfiguration) {
        value = Mutex(configuration)
        idleTimeoutBits = Atomic(configuration.sessionLifetimeRule.idleTimeout.bitPattern)
    }

    var current: AuthConfiguration { value.withLock { $0 } }

    /// The session lifetime rule alone (the hot path: no lock, no copy of the whole policy).
    var sessionLifetime: SessionLifetime { SessionLifetime(idleTimeout: Double(bitPattern: idleTimeoutBits.load(ordering: .relaxed))) }

    func replace(with configuration: AuthConfiguration) {
        value.withLock { value in
            value = configuration
            idleTimeoutBits.store(configuration.sessionLifetimeRule.idleTimeout.bitPattern, ordering: .relaxed)
        }
    }
}
