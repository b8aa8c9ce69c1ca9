import WebProfilesWire
import NIOCore
import WebProfilesDomain

/// Policy values of authentication and sessions.
public struct AuthConfiguration: Sendable, Hashable {
    /// A session unused this long ends (default 30 min).
    public var sessionIdleTimeout: Duration = .seconds(30 * 60)
    /// A session ends this long after login whatever happens (default 12 h).
    public var sessionLifetime: Duration = .seconds(12 * 3600)
    /// Live sessions per registration; logging in beyond ends the oldest (default 10).
    public var maxSessionsPerRegistration = 10
    /// Consecutive failures that lock a registration (default 5).
    public var lockoutThreshold = 5
    /// How long a lockout lasts (default 15 min).
    public var lockoutDuration: Duration = .seconds(15 * 60)
    /// How long an activation code is valid (default 72 h).
    public var activationValidity: Duration = .seconds(72 * 3600)
    public var passwordPolicy = PasswordPolicy()
    public var argon2 = Argon2Parameters.owasp
    /// Threads of the hashing pool (default: the number of cores).
    public var hashingThreads = System.coreCount
    /// How often in-memory session use is written to the database and expired sessions purged.
    public var sessionFlushInterval: Duration = .seconds(30)

    public init() {}
}

extension AuthConfiguration {
    /// When sessions end by themselves under this policy.
    var sessionLifetimeRule: SessionLifetime { SessionLifetime(idleTimeout: sessionIdleTimeout.timeInterval) }
}
