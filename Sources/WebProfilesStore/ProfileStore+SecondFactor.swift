import Foundation
import WebProfilesDomain

/// What a session must do before anything else.
package enum RequiredAction: String, Sendable, Hashable, SQLValueConvertible {
    /// Enrol a second factor (the person's profile requires one).
    case enrollSecondFactor
}

extension ProfileStore {
    /// Stores a new, not yet confirmed TOTP secret (encrypted by the caller) for the account.
    /// Refused while a confirmed one is in force.
    package func beginSecondFactorEnrollment(caller: SessionActor, encryptedSecret: String, now: Date) async throws {
        try await bookkeeping { tx in
            guard let session = try SessionRecord.fetchOne(tx, key: caller.sessionID), session.accountId == caller.accountID,
                  var account = try AccountRecord.fetchOne(tx, key: caller.accountID)
            else { throw StoreError(.unauthenticated, "the session has ended") }
            guard !account.totpEnabled else {
                throw StoreError(.failedPrecondition, "a second factor is already enrolled; disable it first to enrol another device")
            }
            account.totpSecret = encryptedSecret
            account.totpLastStep = nil
            account.updatedAt = now
            try account.update(tx)
        }
    }

    /// The account's TOTP secret (encrypted), and whether it is confirmed.
    package func secondFactorSecret(accountID: String) async throws -> (secret: String?, enabled: Bool, lastStep: Int64?) {
        try await read { tx in
            guard let account = try AccountRecord.fetchOne(tx, key: accountID) else { return (nil, false, nil) }
            return (account.totpSecret, account.totpEnabled, account.totpLastStep)
        }
    }

    /// Confirms the enrolment: the secret `encryptedSecret` (the one begun, unchanged) is in
    /// force from now on, `step` used, and the recovery codes replaced by `recoveryCodeHashes`.
    /// Every session of the account waiting for the enrolment may go on.
    package func confirmSecondFactorEnrollment(caller: SessionActor, encryptedSecret: String, step: Int64, recoveryCodeHashes: [String], now: Date) async throws {
        try await write { tx, log in
            guard let session = try SessionRecord.fetchOne(tx, key: caller.sessionID), session.accountId == caller.accountID,
                  var account = try AccountRecord.fetchOne(tx, key: caller.accountID)
            else { throw StoreError(.unauthenticated, "the session has ended") }
            guard !account.totpEnabled, account.totpSecret == encryptedSecret else {
                throw StoreError(.failedPrecondition, "the enrolment changed meanwhile; begin it again")
            }
            account.totpEnabled = true
            account.totpLastStep = step
            account.updatedAt = now
            try account.update(tx)
            try Self.replaceRecoveryCodes(tx, accountID: account.id, hashes: recoveryCodeHashes, now: now)
            let waiting = try SessionRecord.fetchAll(tx, where: "accountId = ? AND requiredAction IS NOT NULL", [.text(account.id)])
            try tx.execute("UPDATE session SET requiredAction = NULL WHERE accountId = ?", [.text(account.id)])
            log.record(.secondFactorEnrolled, actor: .account(account.id), at: now, company: nil, target: nil, account: account.id,
                       after: ["method": "totp", "recoveryCodes": String(recoveryCodeHashes.count)])
            log.changed(.account(account.id))
            if !waiting.isEmpty { log.changed(.sessions(waiting.map(\.tokenHash))) }
        }
    }

    /// Turns the second factor off, after the person's password was verified (`verifiedPasswordHash`).
    package func disableSecondFactor(caller: SessionActor, verifiedPasswordHash: String, now: Date) async throws {
        try await write { tx, log in
            guard let session = try SessionRecord.fetchOne(tx, key: caller.sessionID), session.accountId == caller.accountID,
                  var account = try AccountRecord.fetchOne(tx, key: caller.accountID)
            else { throw StoreError(.unauthenticated, "the session has ended") }
            guard account.passwordHash == verifiedPasswordHash, !account.isLocked(at: now) else {
                throw StoreError(.failedPrecondition, "the password changed or the account was locked meanwhile; try again", field: "password")
            }
            guard account.totpEnabled || account.totpSecret != nil else {
                throw StoreError(.failedPrecondition, "no second factor is enrolled")
            }
            Self.clearSecondFactor(&account, now: now)
            try account.update(tx)
            try tx.execute("DELETE FROM secondFactorRecoveryCode WHERE accountId = ?", [.text(account.id)])
            log.record(.secondFactorDisabled, actor: .account(account.id), at: now, company: nil, target: nil, account: account.id)
            log.changed(.account(account.id))
        }
    }

    /// The desk's reset of a lost second factor: the person logs in with the password alone (and
    /// enrols again if their profile requires it); their sessions end.
    package func resetSecondFactor(registrationID: String, reason: String, actor: AuditActor, now: Date) async throws -> (RegistrationRecord, [SessionRecord]) {
        try await write { tx, log in
            var target = try Self.registration(tx, registrationID)
            guard target.account.totpEnabled || target.account.totpSecret != nil else {
                throw StoreError(.failedPrecondition, "the person has no second factor", field: "registrationId")
            }
            Self.clearSecondFactor(&target.account, now: now)
            try target.account.update(tx)
            try tx.execute("DELETE FROM secondFactorRecoveryCode WHERE accountId = ?", [.text(target.accountId)])
            let ended = try Self.endAllSessions(tx, accountID: target.accountId, log: &log)
            log.record(.secondFactorReset, actor: actor, at: now, company: target.companyId, target: target.id, account: target.accountId,
                       after: ["reason": reason, "sessionsEnded": String(ended.count)])
            log.changed(.account(target.accountId))
            return (target, ended)
        }
    }

    /// How many unused second-factor recovery codes the account has.
    package func secondFactorRecoveryCodesLeft(accountID: String) async throws -> Int {
        try await read { tx in try tx.count("SELECT COUNT(*) FROM secondFactorRecoveryCode WHERE accountId = ?", [.text(accountID)]) }
    }

    static func clearSecondFactor(_ account: inout AccountRecord, now: Date) {
        account.totpSecret = nil
        account.totpEnabled = false
        account.totpLastStep = nil
        account.updatedAt = now
    }

    static func replaceRecoveryCodes(_ tx: some StoreTransaction, accountID: String, hashes: [String], now: Date) throws {
        try tx.execute("DELETE FROM secondFactorRecoveryCode WHERE accountId = ?", [.text(accountID)])
        for hash in hashes {
            try tx.execute("INSERT INTO secondFactorRecoveryCode (codeHash, accountId, createdAt) VALUES (?, ?, ?)",
                           [.text(hash), .text(accountID), .date(now)])
        }
    }
}
