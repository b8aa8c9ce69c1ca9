import WebProfilesWire
import NIOCore
import WebProfilesDomain

/// Policy values of authentication and sessions.
package struct AuthConfiguration: Sendable, Hashable {
    /// A session unused this long ends (default 30 min).
    package var sessionIdleTimeout: Duration = .seconds(30 * 60)
    /// A session ends this long after login whatever happens (default 12 h).
    package var sessionLifetime: Duration = .seconds(12 * 3600)
    /// Live sessions per registration; logging in beyond ends the oldest (default 10).
    package var maxSessionsPerRegistration = 10
    /// Consecutive failures that lock a registration (default 5).
    package var lockoutThreshold = 5
    /// How long a lockout lasts (default 15 min).
    package var lockoutDuration: Duration = .seconds(15 * 60)
    /// How long an activation code is valid (default 72 h).
    package var activationValidity: Duration = .seconds(72 * 3600)
    package var passwordPolicy = PasswordPolicy()
    package var argon2 = Argon2Parameters.owasp
    /// Threads of the hashing pool (default: the number of cores).
    package var hashingThreads = System.coreCount
    /// How long a recovery code (forgotten password, reset by a manager) is valid (default 30 min).
    package var recoveryValidity: Duration = .seconds(30 * 60)
    /// Profiles whose holders must enrol a second factor (default none).
    package var secondFactorRequiredProfiles: Set<Profile> = []
    /// The issuer authenticator apps show beside the account (default "webprofiled").
    package var totpIssuer = "webprofiled"
    /// Audit events older than this are purged from the database (journald keeps its copy);
    /// nil keeps them forever (default 400 days).
    package var auditRetention: Duration? = .seconds(400 * 86_400)
    /// How often in-memory session use is written to the database and expired sessions purged.
    package var sessionFlushInterval: Duration = .seconds(30)

    package init() {}
}

extension AuthConfiguration {
    /// When sessions end by themselves under this policy.
    var sessionLifetimeRule: SessionLifetime { SessionLifetime(idleTimeout: sessionIdleTimeout.timeInterval) }
}
