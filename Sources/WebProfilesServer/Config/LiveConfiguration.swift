import Synchronization
import WebProfilesDomain

/// The authentication and session policy in force, read by the services on every use; a reload
/// replaces it for all of them at once.
final class LiveConfiguration: Sendable {
    private let value: Mutex<AuthConfiguration>

    init(_ configuration: AuthConfiguration) {
        value = Mutex(configuration)
    }

    var current: AuthConfiguration { value.withLock { $0 } }

    /// The session lifetime rule alone (the hot path: no copy of the whole policy).
    var sessionLifetime: SessionLifetime { value.withLock { $0.sessionLifetimeRule } }

    func replace(with configuration: AuthConfiguration) {
        value.withLock { $0 = configuration }
    }
}
