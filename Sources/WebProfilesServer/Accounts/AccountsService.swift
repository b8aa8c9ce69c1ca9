import Foundation
import Logging
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

/// The application layer of accounts: login, activation, invitations, passwords and their
/// recovery, the second factor, the caller's sessions and their upkeep, over the
/// ``ProfileStore``. Session checks and `Session/Authorize` are the ``Authorizer``'s; the RPC
/// services are thin adapters around both.
package final class AccountsService: Sendable {
    package let store: ProfileStore
    package let hasher: PasswordHasher
    package let authorizer: Authorizer
    /// Common and compromised passwords (nil: none checked).
    let blocklist: (any PasswordBlocklist)?
    /// Encrypts second-factor secrets at rest.
    let secretBox: SecretBox
    private let live: LiveConfiguration
    let logger: Logger
    /// The clock (injectable for tests).
    let now: @Sendable () -> Date
    /// Logins, lockouts and the authorization cache's lookups are counted here.
    let metrics: DaemonMetrics

    package init(store: ProfileStore, hasher: PasswordHasher, configuration: AuthConfiguration, blocklist: (any PasswordBlocklist)?,
                 secretBox: SecretBox, metrics: DaemonMetrics, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.hasher = hasher
        self.blocklist = blocklist
        self.secretBox = secretBox
        self.metrics = metrics
        self.live = LiveConfiguration(configuration)
        self.authorizer = Authorizer(store: store, configuration: live, metrics: metrics, now: now)
        self.logger = logger
        self.now = now
    }

    /// The policy in force (a reload may change it).
    package var configuration: AuthConfiguration { live.current }

    /// Applies a reloaded policy; new Argon2 parameters apply to hashes made from now on.
    package func update(configuration: AuthConfiguration) async throws {
        try await hasher.update(parameters: configuration.argon2)
        live.replace(with: configuration)
    }

    /// The cache of sessions and accounts (it follows what the store commits).
    var cache: AuthorizationCache { authorizer.cache }

    /// Sessions known in memory.
    package var cachedSessionCount: Int { cache.sessionCount }

    /// The lockout and throttling rules in force.
    var loginPolicy: LoginPolicy {
        let configuration = self.configuration
        return LoginPolicy(lockoutThreshold: configuration.lockoutThreshold, lockoutDuration: configuration.lockoutDuration.timeInterval)
    }

    // MARK: Sessions of the caller

    func idleExpiry(lastSeen: Date, expiresAt: Date) -> Date {
        configuration.sessionLifetimeRule.end(expiresAt: expiresAt, lastSeenAt: lastSeen)
    }

    func sessionInfo(_ session: AuthenticatedSession) -> SessionInfo {
        SessionInfo(sessionId: session.sessionID, createdAt: session.createdAt, lastSeenAt: session.lastSeenAt,
                    expiresAt: session.expiresAt, idleExpiresAt: idleExpiry(lastSeen: session.lastSeenAt, expiresAt: session.expiresAt),
                    current: true, selectedCompanyId: session.selectedCompanyID)
    }

    /// Live sessions as a listing shows them: last uses noted in memory applied, the expired
    /// left out. `current` marks the caller's own; `showCompany` whether the selected company
    /// is shown (to the person only).
    func sessionInfos(_ records: [SessionRecord], current: String?, showCompany: Bool) -> [SessionInfo] {
        let now = self.now()
        let inMemory = cache.lastSeen(sessionIDs: records.map(\.id))
        let lifetime = configuration.sessionLifetimeRule
        return records.compactMap { record in
            let lastSeen = max(record.lastSeenAt, inMemory[record.id] ?? record.lastSeenAt)
            guard lifetime.isLive(expiresAt: record.expiresAt, lastSeenAt: lastSeen, at: now) else { return nil }
            return SessionInfo(sessionId: record.id, createdAt: record.createdAt, lastSeenAt: lastSeen, expiresAt: record.expiresAt,
                               idleExpiresAt: idleExpiry(lastSeen: lastSeen, expiresAt: record.expiresAt), current: record.id == current,
                               clientAddress: record.clientAddress, userAgent: record.userAgent,
                               selectedCompanyId: showCompany ? record.selectedCompanyId : nil)
        }
    }

    func listSessions(of session: AuthenticatedSession) async throws -> [SessionInfo] {
        sessionInfos(try await store.sessions(accountID: session.accountID), current: session.sessionID, showCompany: true)
    }

    /// Ends one of the caller's sessions; the caller acts as any of its registrations (the
    /// session is the person's, whatever the company).
    func endSession(id: String, of session: AuthenticatedSession, action: AuditAction) async throws -> Bool {
        try await store.endSession(id: id, caller: session.accountActor, action: action, now: now()) != nil
    }

    /// The principal a session acts as in `companyID`, freshly loaded (after a write that
    /// changed it).
    func reloadedPrincipal(accountID: String, companyID: String) async throws -> CachedPrincipal {
        guard let principal = try await authorizer.account(accountID)?.principal(in: companyID) else {
            throw SessionInterceptor.unauthenticated
        }
        return principal
    }

    // MARK: Maintenance

    /// Writes in-memory session use to the database and purges what has expired: sessions,
    /// login throttling, recovery codes, and audit events past their retention.
    ///
    /// Memory follows the database: once the last uses are written, the sessions the database
    /// finds expired are exactly the expired ones in memory, and their removal (published by the
    /// store as a change) is the only sweep (a scan of every cached session would hold the
    /// cache's locks, which the event loops take on every call, for milliseconds at 100,000
    /// sessions). A session that expires in between is refused at its next use anyway.
    package func flushAndPurge() async throws {
        // Not written (the store failed): kept for the next flush.
        let pending = cache.pendingUses()
        try await store.updateLastSeen(pending.uses)
        cache.markWritten(pending)
        let now = self.now()
        try await store.purgeLoginThrottle(policy: loginPolicy, now: now)
        try await store.purgeExpiredRecoveryCodes(now: now)
        try await store.backend.maintain(now: now)
        let grace = store.backend.isShared ? 2 * configuration.sessionFlushInterval.timeInterval : 0
        let purged = try await store.deleteExpiredSessions(now: now, lifetime: configuration.sessionLifetimeRule, idleGrace: grace)
        if !purged.isEmpty { logger.debug("purged expired sessions", metadata: ["count": "\(purged.count)"]) }
        if let retention = configuration.auditRetention {
            let deleted = try await store.purgeAuditEvents(olderThan: now.addingTimeInterval(-retention.timeInterval), limit: 10_000, now: now)
            if deleted > 0 { logger.info("purged audit events past their retention", metadata: ["count": "\(deleted)"]) }
        }
    }

    // MARK: Shapes

    func registration(_ r: RegistrationRecord) -> Registration {
        // A company sees of an invited person only what it entered itself: not whether their
        // account is locked, nor when they last logged in (elsewhere).
        let hidden = r.membership.invited && r.status == .pendingActivation
        return Registration(registrationId: r.id, companyId: r.companyId, username: r.username, displayName: r.displayName,
                            email: r.email, profile: r.profile, referent: r.referent, line: r.line, status: r.status,
                            locked: hidden ? false : r.isLocked(at: now()), createdAt: r.createdAt,
                            updatedAt: hidden ? r.membership.updatedAt : r.updatedAt, lastLoginAt: hidden ? nil : r.lastLoginAt)
    }

    static func company(_ c: CompanyWithLines) -> Company {
        Company(companyId: c.company.id, name: c.company.name, vatNumber: c.company.vatNumber,
                legalRepresentative: LegalRepresentative(fullName: c.company.legalRepFullName, fiscalCode: c.company.legalRepFiscalCode,
                                                         email: c.company.legalRepEmail, registrationId: c.company.legalRepRegistrationId),
                lines: c.lines.map { Line(msisdn: $0.msisdn, kind: $0.kind) }, referentTypes: c.company.referentTypeList)
    }

    /// A new activation code and the secret the store keeps of it.
    func newActivation() -> (code: String, secret: ActivationSecret) {
        let code = Secrets.newActivationCode()
        return (code, ActivationSecret(codeHash: Secrets.sha256Hex(code), expiresAt: now().addingTimeInterval(configuration.activationValidity.timeInterval)))
    }

    /// A new recovery code and the secret the store keeps of it.
    func newRecoveryCode() -> (code: String, secret: ActivationSecret) {
        let code = Secrets.newRecoveryCode()
        return (code, ActivationSecret(codeHash: Secrets.sha256Hex(code), expiresAt: now().addingTimeInterval(configuration.recoveryValidity.timeInterval)))
    }

    static func delivery(_ recipient: RecoveryRecipient, code: String) -> RecoveryDelivery {
        RecoveryDelivery(registrationId: recipient.registrationID, email: recipient.email, displayName: recipient.displayName,
                         recoveryCode: code, expiresAt: recipient.expiresAt)
    }
}
