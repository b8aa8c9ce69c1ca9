import Foundation
import Logging
import Synchronization
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

/// The application layer of accounts: login, activation, passwords, the caller's sessions and
/// their upkeep, over the ``ProfileStore``. Session checks and `Session/Authorize` are the
/// ``Authorizer``'s; the RPC services are thin adapters around both.
package final class AccountsService: Sendable {
    package let store: ProfileStore
    package let hasher: PasswordHasher
    package let authorizer: Authorizer
    private let live: LiveConfiguration
    let logger: Logger
    /// The clock (injectable for tests).
    let now: @Sendable () -> Date

    package init(store: ProfileStore, hasher: PasswordHasher, configuration: AuthConfiguration, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.hasher = hasher
        self.live = LiveConfiguration(configuration)
        self.authorizer = Authorizer(store: store, configuration: live, now: now)
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

    /// The cache of sessions and principals (its invalidations follow the writes below).
    var cache: AuthorizationCache { authorizer.cache }

    /// Sessions known in memory.
    package var cachedSessionCount: Int { cache.sessionCount }

    // MARK: Login and activation

    static let loginFailed = RPCError(code: .unauthenticated, message: "invalid username or password")

    /// The lockout and throttling rules in force.
    var loginPolicy: LoginPolicy {
        let configuration = self.configuration
        return LoginPolicy(lockoutThreshold: configuration.lockoutThreshold, lockoutDuration: configuration.lockoutDuration.timeInterval)
    }

    /// Logs in. Every failure (unknown user, wrong password, locked, pending, revoked) gives the
    /// same error after the same work: one write noting the attempt (which, for an account that
    /// can log in, takes one of its attempts before the lockout), one Argon2id verification (of
    /// a dummy hash when the attempt cannot succeed) and one audited write. So neither the answer
    /// nor its timing tells whether the username exists, nor, during a lockout, whether the
    /// password was right. A username that cannot be valid is refused at once.
    func login(username input: String, password: String, sources: [LoginSource], peer: UInt32) async throws -> (LoginResponse, CachedPrincipal) {
        guard input.utf8.count <= Username.maxInputBytes else { throw Self.loginFailed }
        let username = try? Username(input)
        let ticket = try hasher.admit(peer: peer)
        defer { ticket.release() }
        let policy = loginPolicy
        let attempt = try await store.beginLogin(.username(username), sources: sources, policy: policy, now: now())
        // From here the attempt is settled whatever becomes of the call (a cancellation or a
        // deadline does not reach this task): verified and recorded, or given back.
        return try await Task {
            try await self.finishLogin(attempt, password: password, sources: sources, policy: policy, peer: peer)
        }.value
    }

    private func finishLogin(_ attempt: LoginAttempt, password: String, sources: [LoginSource], policy: LoginPolicy,
                             peer: UInt32) async throws -> (LoginResponse, CachedPrincipal) {
        guard !attempt.throttled else {
            try await store.recordLoginFailure(attempt, sources: [], policy: policy, now: now())
            throw Self.throttled(until: attempt.notBefore, now: now())
        }
        let verified: Bool
        do {
            try await waitForTurn(attempt)
            let passwordFits = password.utf8.count <= PasswordPolicy.maximumBytes
            verified = try await hasher.verify(passwordFits ? password : "", encoded: attempt.hashToVerify,
                                               costLike: attempt.registration?.passwordHash, peer: peer) && passwordFits
        } catch {
            // The check did not run: the attempt is not a failure.
            try? await store.releaseLoginAttempt(attempt)
            throw error
        }
        // Timestamps after the (possibly queued) verification.
        let now = self.now()
        guard let registration = attempt.registration, let verifiedHash = attempt.hashToVerify, verified else {
            if try await store.recordLoginFailure(attempt, sources: sources, policy: policy, now: now), let id = attempt.registration?.id {
                cache.invalidatePrincipal(id)
            }
            throw Self.loginFailed
        }
        // Hashes made with other parameters than today's are upgraded on a successful login.
        var upgradedHash: String?
        if Argon2Parameters.parse(encoded: verifiedHash) != hasher.parameters {
            upgradedHash = try? await hasher.hash(password, peer: peer)
        }
        let token = Secrets.newSessionToken()
        let session = SessionRecord(id: ProfileStore.newPublicID(), registrationId: registration.id, tokenHash: Secrets.sha256Hex(token),
                                    createdAt: now, expiresAt: now.addingTimeInterval(configuration.sessionLifetime.timeInterval), lastSeenAt: now)
        let generation = cache.generation
        let ended: [SessionRecord]
        do {
            ended = try await store.recordLoginSuccess(session: session, verifiedPasswordHash: verifiedHash, upgradedPasswordHash: upgradedHash,
                                                       maxSessions: configuration.maxSessionsPerRegistration, now: now)
        } catch let error as StoreError where error.code == .unauthenticated {
            throw Self.loginFailed
        }
        // The new session is cached unless anything else changed meanwhile (a revocation, a
        // password change): its first use then loads it from the database, where it exists only
        // if still valid.
        cache.replaceSessions(ending: ended.map(\.tokenHash), with: session, loadedAt: generation)
        guard let principal = try await authorizer.principal(registrationID: registration.id) else { throw Self.loginFailed }
        let response = LoginResponse(sessionToken: token, sessionId: session.id, expiresAt: session.expiresAt,
                                     idleExpiresAt: idleExpiry(lastSeen: now, expiresAt: session.expiresAt), principal: principal.principal)
        return (response, principal)
    }

    /// Waits until the attempt's sources may try again.
    private func waitForTurn(_ attempt: LoginAttempt) async throws {
        let wait = attempt.notBefore.timeIntervalSince(now())
        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
    }

    static func throttled(until turn: Date, now: Date) -> RPCError {
        RPCError(code: .resourceExhausted, message: "too many failed password checks from here; try again in \(max(1, Int(turn.timeIntervalSince(now).rounded(.up)))) s")
    }

    /// Sets the first password with an activation code.
    func activate(code: String, password: String, peer: UInt32) async throws -> CachedPrincipal {
        let ticket = try hasher.admit(peer: peer)
        defer { ticket.release() }
        let now = self.now()
        let invalid = RPCError(code: .unauthenticated, message: "invalid or expired activation code")
        guard Secrets.looksLikeActivationCode(code) else { throw invalid }
        let codeHash = Secrets.sha256Hex(code)
        guard let pending = try await store.registration(activationCodeHash: codeHash, now: now) else { throw invalid }
        try configuration.passwordPolicy.check(password, username: pending.username)
        let hash = try await hasher.hash(password, peer: peer)
        let registration = try await store.activate(codeHash: codeHash, passwordHash: hash, now: now)
        cache.invalidatePrincipal(registration.id)
        guard let principal = try await authorizer.principal(registrationID: registration.id) else { throw invalid }
        return principal
    }

    /// Changes the caller's password after checking the current one, which counts towards the
    /// lockout like a login.
    func changePassword(session: AuthenticatedSession, current: String, new: String, sources: [LoginSource], peer: UInt32) async throws {
        // The new password is checked first: refusing it must not cost an attempt.
        try configuration.passwordPolicy.check(new, username: session.principal.principal.username, field: "newPassword")
        let ticket = try hasher.admit(peer: peer)
        defer { ticket.release() }
        let policy = loginPolicy
        let attempt = try await store.beginLogin(.registration(session.principal.registrationID), sources: sources, policy: policy, now: now())
        try await Task {
            try await self.finishPasswordChange(attempt, session: session, current: current, new: new, sources: sources, policy: policy, peer: peer)
        }.value
    }

    private func finishPasswordChange(_ attempt: LoginAttempt, session: AuthenticatedSession, current: String, new: String,
                                      sources: [LoginSource], policy: LoginPolicy, peer: UInt32) async throws {
        guard let registration = attempt.registration, registration.status == .active else {
            try? await store.releaseLoginAttempt(attempt)
            throw SessionInterceptor.unauthenticated
        }
        guard !attempt.throttled else {
            try await store.recordLoginFailure(attempt, sources: [], policy: policy, now: now())
            throw Self.throttled(until: attempt.notBefore, now: now())
        }
        let verified: Bool
        let hash: String
        do {
            try await waitForTurn(attempt)
            let fits = current.utf8.count <= PasswordPolicy.maximumBytes
            verified = try await hasher.verify(fits ? current : "", encoded: attempt.hashToVerify, costLike: registration.passwordHash, peer: peer) && fits
            hash = verified ? try await hasher.hash(new, peer: peer) : ""
        } catch {
            try? await store.releaseLoginAttempt(attempt)
            throw error
        }
        guard verified, let verifiedHash = attempt.hashToVerify else {
            if try await store.recordLoginFailure(attempt, sources: sources, policy: policy, now: self.now()) {
                cache.invalidatePrincipal(registration.id)
            }
            throw RPCError.invalidArgument(field: "currentPassword", "is not the current password")
        }
        let ended: [SessionRecord]
        do {
            ended = try await store.changePassword(registrationID: registration.id, verifiedPasswordHash: verifiedHash, passwordHash: hash,
                                                   keepSessionID: session.sessionID, now: self.now())
        } catch {
            try? await store.releaseLoginAttempt(attempt)
            throw error
        }
        cache.removeSessions(tokenHashes: ended.map(\.tokenHash))
    }

    // MARK: Sessions of the caller

    func idleExpiry(lastSeen: Date, expiresAt: Date) -> Date {
        configuration.sessionLifetimeRule.end(expiresAt: expiresAt, lastSeenAt: lastSeen)
    }

    func sessionInfo(_ session: AuthenticatedSession) -> SessionInfo {
        SessionInfo(sessionId: session.sessionID, createdAt: session.createdAt, lastSeenAt: session.lastSeenAt,
                    expiresAt: session.expiresAt, idleExpiresAt: idleExpiry(lastSeen: session.lastSeenAt, expiresAt: session.expiresAt),
                    current: true)
    }

    func listSessions(of session: AuthenticatedSession) async throws -> [SessionInfo] {
        let now = self.now()
        let inMemory = cache.lastSeen(ofRegistration: session.principal.registrationID)
        let lifetime = configuration.sessionLifetimeRule
        return try await store.sessions(registrationID: session.principal.registrationID).compactMap { record in
            let lastSeen = max(record.lastSeenAt, inMemory[record.id] ?? record.lastSeenAt)
            guard lifetime.isLive(expiresAt: record.expiresAt, lastSeenAt: lastSeen, at: now) else { return nil }
            return SessionInfo(sessionId: record.id, createdAt: record.createdAt, lastSeenAt: lastSeen, expiresAt: record.expiresAt,
                               idleExpiresAt: idleExpiry(lastSeen: lastSeen, expiresAt: record.expiresAt),
                               current: record.id == session.sessionID)
        }
    }

    func endSession(id: String, of session: AuthenticatedSession, action: AuditAction) async throws -> Bool {
        let ended = try await store.endSession(id: id, caller: SessionActor(registrationID: session.principal.registrationID, sessionID: session.sessionID),
                                               action: action, now: now())
        // The caller's own session is forgotten in memory even if its row were already gone.
        if id == session.sessionID { cache.removeSessions(tokenHashes: [session.tokenHash]) }
        guard let ended else { return false }
        cache.removeSessions(tokenHashes: [ended.tokenHash])
        return true
    }

    // MARK: Maintenance

    /// Writes in-memory session use to the database and purges expired sessions.
    ///
    /// Memory follows the database: once the last uses are written, the sessions the database
    /// finds expired are exactly the expired ones in memory, and their removal is the only
    /// sweep (a scan of every cached session would hold the registry's lock, which the event
    /// loops take on every call, for milliseconds at 100,000 sessions). A session that expires
    /// in between is refused at its next use anyway.
    package func flushAndPurge() async throws {
        let dirty = cache.takeDirty()
        do {
            try await store.updateLastSeen(dirty)
        } catch {
            // Not written: kept for the next flush (newer uses win).
            cache.restoreDirty(dirty)
            throw error
        }
        let now = self.now()
        try await store.purgeLoginThrottle(policy: loginPolicy, now: now)
        let purged = try await store.deleteExpiredSessions(now: now, lifetime: configuration.sessionLifetimeRule)
        if !purged.isEmpty {
            cache.removeSessions(tokenHashes: purged.map(\.tokenHash))
            logger.debug("purged expired sessions", metadata: ["count": "\(purged.count)"])
        }
    }

    // MARK: Shapes

    func registration(_ r: RegistrationRecord) -> Registration {
        Registration(registrationId: r.id, companyId: r.companyId, username: r.username, displayName: r.displayName,
                     email: r.email, profile: r.profile, referent: r.referent, line: r.line, status: r.status,
                     locked: r.isLocked(at: now()), createdAt: r.createdAt, updatedAt: r.updatedAt, lastLoginAt: r.lastLoginAt)
    }

    static func company(_ c: CompanyWithLines) -> Company {
        Company(companyId: c.company.id, name: c.company.name, vatNumber: c.company.vatNumber,
                legalRepresentative: LegalRepresentative(fullName: c.company.legalRepFullName, fiscalCode: c.company.legalRepFiscalCode,
                                                         email: c.company.legalRepEmail, registrationId: c.company.legalRepRegistrationId),
                lines: c.lines.map { Line(msisdn: $0.msisdn, kind: $0.kind) })
    }

    /// A new activation code and the secret the store keeps of it.
    func newActivation() -> (code: String, secret: ActivationSecret) {
        let code = Secrets.newActivationCode()
        return (code, ActivationSecret(codeHash: Secrets.sha256Hex(code), expiresAt: now().addingTimeInterval(configuration.activationValidity.timeInterval)))
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
