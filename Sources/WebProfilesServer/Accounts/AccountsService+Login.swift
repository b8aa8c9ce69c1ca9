import CBOR
import Foundation
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

/// A login as the RPC receives it.
struct LoginInput: Sendable {
    var username: String
    var password: String
    var otp: String?
    var companyID: String?
    var client: ClientDetails
    var sources: [LoginSource]
    var peer: UInt32
}

extension AccountsService {
    static let loginFailed = RPCError(code: .unauthenticated, message: "invalid username or password")

    static let secondFactorNeeded = RPCError(code: .unauthenticated,
                                             message: "a second factor is needed: send the authenticator's 6-digit code (or a recovery code) as otp",
                                             details: .textMap(["secondFactor": .text("required")]))

    static let secondFactorFailed = RPCError(code: .unauthenticated, message: "invalid second-factor code",
                                             details: .textMap(["secondFactor": .text("invalid")]))

    /// Logs in. Every failure of the password (unknown user, wrong password, locked, pending,
    /// revoked) gives the same error after the same work: one write noting the attempt (which,
    /// for an account that can log in, takes one of its attempts before the lockout), one
    /// Argon2id verification (of a dummy hash when the attempt cannot succeed) and one audited
    /// write. So neither the answer nor its timing tells whether the username exists, nor, during
    /// a lockout, whether the password was right. A username that cannot be valid is refused at
    /// once. Only after a correct password does an enrolled account hear that a second factor is
    /// needed; a wrong one counts toward the lockout like a wrong password.
    func login(_ input: LoginInput) async throws -> (LoginResponse, accountID: String) {
        do {
            let result = try await checkLogin(input)
            metrics.login(.success)
            return result
        } catch {
            metrics.login(Self.outcome(of: error))
            throw error
        }
    }

    /// How a failed login is counted.
    private static func outcome(of error: any Error) -> DaemonMetrics.LoginOutcome {
        guard let error = error as? RPCError else { return .error }
        switch (error.code, error.message) {
        case (loginFailed.code, loginFailed.message): return .failed
        case (secondFactorNeeded.code, secondFactorNeeded.message): return .secondFactorRequired
        case (secondFactorFailed.code, secondFactorFailed.message): return .secondFactorFailed
        case (.resourceExhausted, let message) where message.hasPrefix(throttledPrefix): return .throttled
        default: return .error
        }
    }

    /// Records a failed password check (``ProfileStore/recordLoginFailure(_:reason:sources:policy:client:now:)``),
    /// counting the lockout it may cause.
    func recordLoginFailure(_ attempt: LoginAttempt, reason: LoginFailure = .password, sources: [LoginSource], policy: LoginPolicy,
                            client: ClientDetails = ClientDetails(), now: Date) async throws {
        if try await store.recordLoginFailure(attempt, reason: reason, sources: sources, policy: policy, client: client, now: now) {
            metrics.lockedOut()
        }
    }

    private func checkLogin(_ input: LoginInput) async throws -> (LoginResponse, accountID: String) {
        guard input.username.utf8.count <= Username.maxInputBytes else { throw Self.loginFailed }
        let username = try? Username(input.username)
        let ticket = try hasher.admit(peer: input.peer)
        defer { ticket.release() }
        let policy = loginPolicy
        let attempt = try await store.beginLogin(.username(username), sources: input.sources, policy: policy, now: now())
        // From here the attempt is settled whatever becomes of the call (a cancellation or a
        // deadline does not reach this task): verified and recorded, or given back.
        return try await Task {
            try await self.finishLogin(attempt, input, policy: policy)
        }.value
    }

    private func finishLogin(_ attempt: LoginAttempt, _ input: LoginInput, policy: LoginPolicy) async throws -> (LoginResponse, accountID: String) {
        guard !attempt.throttled else {
            try await recordLoginFailure(attempt, sources: [], policy: policy, client: input.client, now: now())
            throw Self.throttled(until: attempt.notBefore, now: now())
        }
        let check: PasswordCheck
        do {
            try await waitForTurn(attempt)
            check = try await verifyPassword(input.password, attempt: attempt, peer: input.peer)
        } catch {
            // The check did not run: the attempt is not a failure.
            try? await store.releaseLoginAttempt(attempt)
            throw error
        }
        guard let account = attempt.account, let verifiedHash = attempt.hashToVerify, check.verified else {
            try await recordLoginFailure(attempt, sources: input.sources, policy: policy, client: input.client, now: now())
            throw Self.loginFailed
        }
        // The password was right: the second factor, if the account has one.
        var secondFactor: SecondFactorUse?
        if account.totpEnabled {
            guard let otp = input.otp else {
                try? await store.releaseLoginAttempt(attempt)
                throw Self.secondFactorNeeded
            }
            guard let use = secondFactorUse(otp, account: account) else {
                try await recordLoginFailure(attempt, reason: .secondFactor, sources: input.sources, policy: policy, client: input.client, now: now())
                throw Self.secondFactorFailed
            }
            secondFactor = use
        }
        let now = self.now()
        let token = Secrets.newSessionToken()
        let tokenHash = SessionTokenHash(token: token)
        let session = SessionRecord(id: ProfileStore.newPublicID(), accountId: account.id, tokenHash: tokenHash.hex, createdAt: now,
                                    expiresAt: now.addingTimeInterval(configuration.sessionLifetime.timeInterval), lastSeenAt: now,
                                    selectedCompanyId: input.companyID, clientAddress: input.client.address, userAgent: input.client.userAgent)
        // The new session is cached unless a change touched it meanwhile (a revocation, a
        // password change): its first use then loads it from the database, where it exists only
        // if still valid.
        let sessionTicket = cache.beginSessionLoad(tokenHash)
        // The answer is what the transaction that makes the session reads, as of its commit (and
        // the account is cached from it): a login whose session exists never answers an error
        // for a read after it (the client would log in again, and a second session would take a
        // place under the limit).
        let outcome: LoginOutcome
        let cached: CachedAccount?
        do {
            let upgraded = try await upgradedHash(check, input.password, peer: input.peer)
            (outcome, cached, _) = try await authorizer.loadAccount(CompactID(account.id), {
                try await store.recordLoginSuccess(LoginSuccess(
                    session: session, verifiedPasswordHash: verifiedHash, upgradedPasswordHash: upgraded,
                    secondFactor: secondFactor, requiredSecondFactorProfiles: configuration.secondFactorRequiredProfiles,
                    maxSessions: configuration.maxSessionsPerRegistration, now: now))
            }, registrations: { $0.registrations })
        } catch let error as StoreError where error.code == .unauthenticated {
            cache.finishSessionLoad(sessionTicket, nil)
            if secondFactor != nil {
                // The code was used meanwhile (or the account changed): a failed second factor.
                try await recordLoginFailure(attempt, reason: .secondFactor, sources: input.sources, policy: policy, client: input.client, now: now)
                throw Self.secondFactorFailed
            }
            // The password was right but the account changed meanwhile (its last membership
            // revoked, a lock, a new password): refused, and not a failure of this attempt.
            try? await store.releaseLoginAttempt(attempt)
            throw Self.loginFailed
        } catch {
            cache.finishSessionLoad(sessionTicket, nil)
            try? await store.releaseLoginAttempt(attempt)
            throw error
        }
        cache.finishSessionLoad(sessionTicket, outcome.session)
        // The store refuses a login without an active registration: an account always comes back.
        guard let cached else { throw Self.loginFailed }
        // The principal of the company named, or of the only one; none for a person of several.
        let principal = outcome.session.selectedCompanyId.flatMap { cached.principal(in: $0) }
            ?? (cached.principals.count == 1 ? cached.principals.first : nil)
        let response = LoginResponse(sessionToken: token, sessionId: session.id, expiresAt: session.expiresAt,
                                     idleExpiresAt: idleExpiry(lastSeen: now, expiresAt: session.expiresAt), principal: try principal?.principal,
                                     memberships: try cached.memberships, requiredAction: outcome.session.requiredAction)
        return (response, account.id)
    }

    /// The second factor `otp` presents, checked: a TOTP code of the account's secret (its
    /// step, for the store to accept once only) or the shape of a recovery code (the store uses
    /// it up if it is one of the account's). Nil when it cannot be right.
    private func secondFactorUse(_ otp: String, account: AccountRecord) -> SecondFactorUse? {
        if otp.utf8.count == 6 {
            guard let sealed = account.totpSecret, let secret = try? secretBox.open(sealed) else { return nil }
            return TOTP(secret: secret).matchingStep(of: otp, at: now()).map { .totp(step: $0) }
        }
        return Secrets.canonicalSecondFactorRecoveryCode(otp).map { .recoveryCode(hash: Secrets.sha256Hex($0)) }
    }

    /// Waits until the attempt's sources may try again.
    func waitForTurn(_ attempt: LoginAttempt) async throws {
        let wait = attempt.notBefore.timeIntervalSince(now())
        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
    }

    private static let throttledPrefix = "too many failed password checks from here"

    static func throttled(until turn: Date, now: Date) -> RPCError {
        RPCError(code: .resourceExhausted, message: "\(throttledPrefix); try again in \(max(1, Int(turn.timeIntervalSince(now).rounded(.up)))) s")
    }

    // MARK: Activation, invitations, company selection

    /// Sets the first password with an activation code.
    func activate(code: String, password: String, peer: UInt32) async throws -> CachedPrincipal {
        let ticket = try hasher.admit(peer: peer)
        defer { ticket.release() }
        let now = self.now()
        let invalid = RPCError(code: .unauthenticated, message: "invalid or expired activation code")
        guard Secrets.looksLikeActivationCode(code) else { throw invalid }
        let codeHash = Secrets.sha256Hex(code)
        guard let pending = try await store.registration(activationCodeHash: codeHash, now: now) else { throw invalid }
        try checkNewPassword(password, username: pending.username, contextWords: try await store.contextWords(accountID: pending.accountId) + [pending.displayName])
        let hash = try await hashPassword(password, peer: peer)
        let registration = try await store.activate(codeHash: codeHash, passwordHash: hash, now: now)
        return try await reloadedPrincipal(accountID: registration.accountId, companyID: registration.companyId)
    }

    /// Accepts an invitation of another company, logged in: no new password.
    func acceptInvitation(code: String, session: AuthenticatedSession) async throws -> CachedPrincipal {
        guard Secrets.looksLikeActivationCode(code) else {
            throw RPCError.invalidArgument(field: "invitationCode", "is not an invitation code (wpa_…)")
        }
        let registration = try await store.acceptInvitation(accountID: session.accountID, sessionID: session.sessionID,
                                                            codeHash: Secrets.sha256Hex(code), now: now())
        return try await reloadedPrincipal(accountID: session.accountID, companyID: registration.companyId)
    }

    /// Chooses the company the session acts for when calls name none.
    func selectCompany(_ companyID: String, session: AuthenticatedSession) async throws -> CachedPrincipal {
        // Refused at once, with the same answer as for any call naming a company not the person's.
        _ = try session.principal(for: companyID)
        let registration = try await store.selectCompany(sessionID: session.sessionID, accountID: session.accountID, companyID: companyID, now: now())
        return try await reloadedPrincipal(accountID: session.accountID, companyID: registration.companyId)
    }

    /// The caller's own account.
    func account(of session: AuthenticatedSession) async throws -> Account {
        guard let record = try await store.account(id: session.accountID) else { throw SessionInterceptor.unauthenticated }
        let required = session.account.principals.contains { configuration.secondFactorRequiredProfiles.contains($0.profile) }
        return Account(accountId: record.id, username: record.username, displayName: record.displayName, email: record.email,
                       memberships: try session.account.memberships,
                       secondFactor: SecondFactorState(enabled: record.totpEnabled, required: required,
                                                       recoveryCodesLeft: try await store.secondFactorRecoveryCodesLeft(accountID: record.id)))
    }
}
