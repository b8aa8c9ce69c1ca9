import Foundation
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

/// What verifying a password found.
struct PasswordCheck: Sendable {
    var verified: Bool
    /// It matched only as typed, not in NFKC (a hash made before passwords were normalised): the
    /// hash is remade from the normalised form.
    var matchedUnnormalized: Bool
    /// The hash it was verified against was made with other Argon2 parameters than today's.
    var outdatedParameters: Bool
}

extension AccountsService {
    // MARK: Hashing and checking

    /// Hashes a new password in its normalised form (NFKC).
    func hashPassword(_ password: String, peer: UInt32) async throws -> String {
        try await hasher.hash(PasswordPolicy.normalized(password), peer: peer)
    }

    /// Verifies `password` for a password check begun with `attempt` (against a dummy hash when
    /// the attempt cannot succeed): in NFKC first, then, for hashes made before passwords were
    /// normalised, as typed.
    func verifyPassword(_ password: String, attempt: LoginAttempt, peer: UInt32) async throws -> PasswordCheck {
        let fits = password.utf8.count <= PasswordPolicy.maximumBytes
        let normalized = fits ? PasswordPolicy.normalized(password) : ""
        let encoded = attempt.hashToVerify
        let outdated = encoded.map { Argon2Parameters.parse(encoded: $0) != hasher.parameters } ?? false
        if try await hasher.verify(normalized, encoded: encoded, costLike: attempt.account?.passwordHash, peer: peer), fits {
            return PasswordCheck(verified: true, matchedUnnormalized: false, outdatedParameters: outdated)
        }
        if fits, normalized != password, encoded != nil, try await hasher.verify(password, encoded: encoded, peer: peer) {
            return PasswordCheck(verified: true, matchedUnnormalized: true, outdatedParameters: outdated)
        }
        return PasswordCheck(verified: false, matchedUnnormalized: false, outdatedParameters: outdated)
    }

    /// The hash to store instead of the verified one, when it should be remade (normalised form,
    /// today's parameters); nil to keep it. A failure to rehash keeps the old hash.
    func upgradedHash(_ check: PasswordCheck, _ password: String, peer: UInt32) async throws -> String? {
        guard check.verified, check.matchedUnnormalized || check.outdatedParameters else { return nil }
        return try? await hashPassword(password, peer: peer)
    }

    /// Checks a new password against the policy: length, the person's context, the blocklist.
    func checkNewPassword(_ password: String, username: String, contextWords: [String], field: String = "password") throws(ValidationError) {
        try configuration.passwordPolicy.check(password, username: username, contextWords: contextWords, blocklist: blocklist, field: field)
    }

    /// Verifies the caller's current password, counting toward the lockout like a login (a
    /// wrong one is a failure, refused INVALID_ARGUMENT naming `field`). Returns the attempt and
    /// the verified hash; the caller settles the attempt: ``ProfileStore/releaseLoginAttempt(_:)``
    /// once its write is done (or a write that clears the failures).
    func verifyCurrentPassword(_ password: String, session: AuthenticatedSession, field: String, sources: [LoginSource],
                               peer: UInt32) async throws -> (LoginAttempt, String, PasswordCheck) {
        let policy = loginPolicy
        let attempt = try await store.beginLogin(.account(session.accountID), sources: sources, policy: policy, now: now())
        return try await Task {
            guard attempt.account != nil else {
                try? await self.store.releaseLoginAttempt(attempt)
                throw SessionInterceptor.unauthenticated
            }
            guard !attempt.throttled else {
                try await self.recordLoginFailure(attempt, sources: [], policy: policy, now: self.now())
                throw Self.throttled(until: attempt.notBefore, now: self.now())
            }
            let check: PasswordCheck
            do {
                try await self.waitForTurn(attempt)
                check = try await self.verifyPassword(password, attempt: attempt, peer: peer)
            } catch {
                try? await self.store.releaseLoginAttempt(attempt)
                throw error
            }
            guard check.verified, let verifiedHash = attempt.hashToVerify else {
                try await self.recordLoginFailure(attempt, sources: sources, policy: policy, now: self.now())
                throw RPCError.invalidArgument(field: field, "is not your current password")
            }
            return (attempt, verifiedHash, check)
        }.value
    }

    // MARK: Changing and recovering passwords

    /// Changes the caller's password after checking the current one, which counts towards the
    /// lockout like a login. Every other session of the person ends.
    func changePassword(session: AuthenticatedSession, current: String, new: String, sources: [LoginSource], peer: UInt32) async throws {
        // The new password is checked first: refusing it must not cost an attempt.
        try checkNewPassword(new, username: try session.account.username, contextWords: try await store.contextWords(accountID: session.accountID),
                             field: "newPassword")
        let ticket = try hasher.admit(peer: peer)
        defer { ticket.release() }
        let (attempt, verifiedHash, _) = try await verifyCurrentPassword(current, session: session, field: "currentPassword", sources: sources, peer: peer)
        try await Task {
            do {
                let hash = try await self.hashPassword(new, peer: peer)
                _ = try await self.store.changePassword(accountID: session.accountID, verifiedPasswordHash: verifiedHash, passwordHash: hash,
                                                        keepSessionID: session.sessionID, now: self.now())
            } catch {
                try? await self.store.releaseLoginAttempt(attempt)
                throw error
            }
        }.value
    }

    /// `Session/RequestRecovery`: a recovery code for an active account, nothing otherwise, with
    /// the same work either way (the code is made and its hash computed whatever the answer).
    func requestRecovery(username input: String) async throws -> RecoveryDelivery? {
        let username = input.utf8.count <= Username.maxInputBytes ? try? Username(input) : nil
        let (code, secret) = newRecoveryCode()
        guard let recipient = try await store.requestRecovery(username: username, code: secret, now: now()) else { return nil }
        return Self.delivery(recipient, code: code)
    }

    /// `Session/CompleteRecovery`: a new password with a recovery code (single use); every
    /// session of the person ends and the lockout is cleared.
    func completeRecovery(code: String, newPassword: String, peer: UInt32) async throws {
        let invalid = RPCError(code: .unauthenticated, message: "invalid or expired recovery code")
        guard Secrets.looksLikeRecoveryCode(code) else { throw invalid }
        let ticket = try hasher.admit(peer: peer)
        defer { ticket.release() }
        let codeHash = Secrets.sha256Hex(code)
        guard let target = try await store.recoveryTarget(codeHash: codeHash, now: now()) else { throw invalid }
        try checkNewPassword(newPassword, username: target.account.username, contextWords: target.contextWords, field: "newPassword")
        let hash = try await hashPassword(newPassword, peer: peer)
        do {
            _ = try await store.completeRecovery(codeHash: codeHash, passwordHash: hash, now: now())
        } catch let error as StoreError where error.code == .unauthenticated {
            throw invalid
        }
    }

    /// `Session/UpdateMyDetails`: the person's own name and email (an email change needs the
    /// current password).
    func updateMyDetails(session: AuthenticatedSession, displayName: String?, email: String?, currentPassword: String?,
                         sources: [LoginSource], peer: UInt32) async throws -> AccountRecord {
        guard displayName != nil || email != nil else {
            throw RPCError.invalidArgument(field: "displayName", "give displayName, email or both")
        }
        guard email != nil else {
            return try await store.updateMyDetails(caller: session.accountActor, displayName: displayName, email: nil, verifiedPasswordHash: nil, now: now())
        }
        guard let currentPassword else {
            throw RPCError.invalidArgument(field: "currentPassword", "is required to change the email (where recovery codes go)")
        }
        let ticket = try hasher.admit(peer: peer)
        defer { ticket.release() }
        let (attempt, verifiedHash, _) = try await verifyCurrentPassword(currentPassword, session: session, field: "currentPassword", sources: sources, peer: peer)
        // The attempt is given back once the write is done, whatever its outcome: the password was right.
        do {
            let account = try await store.updateMyDetails(caller: session.accountActor, displayName: displayName, email: email,
                                                          verifiedPasswordHash: verifiedHash, now: now())
            try? await store.releaseLoginAttempt(attempt)
            return account
        } catch {
            try? await store.releaseLoginAttempt(attempt)
            throw error
        }
    }
}
