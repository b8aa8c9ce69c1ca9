import Foundation
import WebProfilesDomain

/// Where a recovery code goes: the person's own address, for the calling service to deliver.
package struct RecoveryRecipient: Sendable, Hashable {
    /// The registration the message is about (the person's first active one).
    package var registrationID: String
    package var email: String
    package var displayName: String
    package var expiresAt: Date
}

/// The account a recovery code belongs to, with what a new password must not contain.
package struct RecoveryTarget: Sendable {
    package var account: AccountRecord
    /// The display names and company names of the person's registrations.
    package var contextWords: [String]
}

extension ProfileStore {
    /// The recovery codes of one account that stay live at once; issuing another ends the oldest.
    package static let maxLiveRecoveryCodes = 3

    /// Issues a recovery code to the account named `username`, when it has an active
    /// registration (locked or not). The same statements run whether or not it does (the
    /// account's lookup, the purge of its older codes, one insert or the probe row's rewrite), so
    /// that neither the answer's time nor its absence tells more than the answer itself.
    package func requestRecovery(username: Username?, code: ActivationSecret, now: Date) async throws -> RecoveryRecipient? {
        try await write { tx, log in
            let account = try username.flatMap { try AccountRecord.fetchOne(tx, where: "username = ?", [.text($0.value)]) }
            let first = try RegistrationRecord.fetchAll(tx, where: "m.accountId = ? AND m.status = 'active'", [.text(account?.id ?? "")],
                                                        orderBy: "m.createdAt, m.id", limit: 1).first
            try Self.purgeRecoveryCodes(tx, accountID: first?.accountId ?? "", keep: Self.maxLiveRecoveryCodes - 1, now: now)
            guard let account, let first else {
                // The same writes as an issued code: a row, and an audit event (the desk sees
                // requests for names that are nobody's, as enumeration attempts look).
                try Self.touchProbe(tx, now: now)
                log.record(.recoveryRequested, actor: .anonymous, at: now, company: nil, target: nil,
                           after: ["refused": "no active account", "expiresAt": ISO8601DateFormatter().string(from: code.expiresAt)])
                return nil
            }
            try Self.insertRecoveryCode(tx, accountID: account.id, code: code, now: now)
            log.record(.recoveryRequested, actor: .anonymous, at: now, company: nil, target: nil, account: account.id,
                       after: ["expiresAt": ISO8601DateFormatter().string(from: code.expiresAt)])
            return RecoveryRecipient(registrationID: first.id, email: account.email, displayName: account.displayName, expiresAt: code.expiresAt)
        }
    }

    /// The account a live recovery code belongs to, if it still has an active registration.
    package func recoveryTarget(codeHash: String, now: Date) async throws -> RecoveryTarget? {
        try await read { tx in
            guard let accountID = try tx.scalar("SELECT accountId FROM recoveryCode WHERE codeHash = ? AND expiresAt > ?",
                                                [.text(codeHash), .date(now)], as: String.self),
                  let account = try AccountRecord.fetchOne(tx, key: accountID),
                  try Self.hasOtherLiveMemberships(tx, accountID: accountID, except: nil)
            else { return nil }
            return RecoveryTarget(account: account, contextWords: try Self.contextWords(tx, accountID: accountID))
        }
    }

    /// Sets a new password with a recovery code: the code (and every other of the account) is
    /// used up, the lockout cleared, every session of the person ended.
    package func completeRecovery(codeHash: String, passwordHash: String, now: Date) async throws -> (AccountRecord, [SessionRecord]) {
        try await write { tx, log in
            guard let accountID = try tx.scalar("SELECT accountId FROM recoveryCode WHERE codeHash = ? AND expiresAt > ?",
                                                [.text(codeHash), .date(now)], as: String.self),
                  var account = try AccountRecord.fetchOne(tx, key: accountID),
                  try Self.hasOtherLiveMemberships(tx, accountID: accountID, except: nil)
            else { throw StoreError(.unauthenticated, "invalid or expired recovery code") }
            try tx.execute("DELETE FROM recoveryCode WHERE accountId = ?", [.text(accountID)])
            account.passwordHash = passwordHash
            account.failedAttempts = 0
            account.lockedUntil = nil
            account.updatedAt = now
            try account.update(tx)
            let ended = try Self.endAllSessions(tx, accountID: accountID, log: &log)
            log.record(.passwordChanged, actor: .account(accountID), at: now, company: nil, target: nil, account: accountID,
                       after: ["via": "recovery", "sessionsEnded": String(ended.count)])
            log.changed(.account(accountID))
            return (account, ended)
        }
    }

    /// Resets the password of a registration's person, by a manager of its company: the old
    /// password stops working, their sessions end, and a recovery code is issued for the person
    /// to set a new one. Refused for pending and revoked registrations, and for a person whose
    /// account serves another company too.
    package func resetCredentials(actor caller: SessionActor, targetID: String, code: ActivationSecret, now: Date)
        async throws -> (RegistrationRecord, RecoveryRecipient, [SessionRecord])
    {
        try await write { tx, log in
            let actor = try Self.liveActor(tx, caller, now: now)
            let target = try Self.target(tx, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: nil)
            try Self.checkNotShared(tx, target, what: "reset their password")
            return try Self.reset(tx, target, code: code, actor: .manager(actor), reason: nil, now: now, log: &log)
        }
    }

    /// The desk's password reset: any registration, the legal representative's included.
    package func resetCredentials(registrationID: String, reason: String, code: ActivationSecret, actor: AuditActor, now: Date)
        async throws -> (RegistrationRecord, RecoveryRecipient, [SessionRecord])
    {
        try await write { tx, log in
            let target = try Self.registration(tx, registrationID)
            return try Self.reset(tx, target, code: code, actor: actor, reason: reason, now: now, log: &log)
        }
    }

    /// A new activation (or invitation) code for a pending registration, by a manager of its
    /// company; the old code stops working.
    package func reissueActivation(actor caller: SessionActor, targetID: String, activation: ActivationSecret, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            let actor = try Self.liveActor(tx, caller, now: now)
            let target = try Self.target(tx, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: nil)
            return try Self.reissue(tx, target, activation: activation, actor: .manager(actor), reason: nil, now: now, log: &log)
        }
    }

    /// The desk's reissue: any pending registration.
    package func reissueActivation(registrationID: String, reason: String?, activation: ActivationSecret, actor: AuditActor, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            let target = try Self.registration(tx, registrationID)
            return try Self.reissue(tx, target, activation: activation, actor: actor, reason: reason, now: now, log: &log)
        }
    }

    // MARK: Helpers

    static func reset(_ tx: some StoreTransaction, _ target: RegistrationRecord, code: ActivationSecret, actor: AuditActor, reason: String?,
                      now: Date, log: inout TransactionLog) throws -> (RegistrationRecord, RecoveryRecipient, [SessionRecord]) {
        switch target.status {
        case .active: break
        case .pendingActivation:
            throw StoreError(.failedPrecondition, "the registration is pending activation: reissue its activation code instead", field: "registrationId")
        case .revoked:
            throw StoreError(.failedPrecondition, "the registration is revoked: restore it instead", field: "registrationId")
        }
        var target = target
        target.account.passwordHash = nil
        target.account.failedAttempts = 0
        target.account.lockedUntil = nil
        target.account.updatedAt = now
        try target.account.update(tx)
        try tx.execute("DELETE FROM recoveryCode WHERE accountId = ?", [.text(target.accountId)])
        try insertRecoveryCode(tx, accountID: target.accountId, code: code, now: now)
        let ended = try endAllSessions(tx, accountID: target.accountId, log: &log)
        var after = ["sessionsEnded": String(ended.count), "expiresAt": ISO8601DateFormatter().string(from: code.expiresAt)]
        if let reason { after["reason"] = reason }
        log.record(.credentialsReset, actor: actor, at: now, company: target.companyId, target: target.id, account: target.accountId, after: after)
        log.changed(.account(target.accountId))
        let recipient = RecoveryRecipient(registrationID: target.id, email: target.account.email, displayName: target.account.displayName,
                                          expiresAt: code.expiresAt)
        return (target, recipient, ended)
    }

    static func reissue(_ tx: some StoreTransaction, _ target: RegistrationRecord, activation: ActivationSecret, actor: AuditActor, reason: String?,
                        now: Date, log: inout TransactionLog) throws -> RegistrationRecord {
        guard target.status == .pendingActivation else {
            throw StoreError(.failedPrecondition, "only a registration pending activation gets a new activation code", field: "registrationId")
        }
        var target = target
        target.membership.activationCodeHash = activation.codeHash
        target.membership.activationExpiresAt = activation.expiresAt
        target.membership.updatedAt = now
        try target.membership.update(tx)
        var after = ["expiresAt": ISO8601DateFormatter().string(from: activation.expiresAt)]
        if let reason { after["reason"] = reason }
        log.record(.activationReissued, actor: actor, at: now, company: target.companyId, target: target.id, after: after)
        log.changed(.account(target.accountId))
        return target
    }

    /// Deletes an account's expired codes and all but its `keep` newest live ones.
    static func purgeRecoveryCodes(_ tx: some StoreTransaction, accountID: String, keep: Int, now: Date) throws {
        try tx.execute("""
            DELETE FROM recoveryCode WHERE accountId = ? AND (expiresAt <= ? OR codeHash NOT IN (
                SELECT codeHash FROM recoveryCode WHERE accountId = ? AND expiresAt > ? ORDER BY createdAt DESC, codeHash LIMIT \(keep)))
            """, [.text(accountID), .date(now), .text(accountID), .date(now)])
    }

    static func insertRecoveryCode(_ tx: some StoreTransaction, accountID: String, code: ActivationSecret, now: Date) throws {
        try tx.execute("INSERT INTO recoveryCode (codeHash, accountId, createdAt, expiresAt) VALUES (?, ?, ?, ?)",
                       [.text(code.codeHash), .text(accountID), .date(now), .date(code.expiresAt)])
    }

    /// What a person's new password must not contain: their names and their companies' names.
    static func contextWords(_ tx: some StoreTransaction, accountID: String) throws -> [String] {
        var words: [String] = []
        for row in try tx.rows("""
            SELECT a.displayName AS accountName, m.displayName AS membershipName, c.name AS companyName
            FROM membership m JOIN account a ON a.id = m.accountId JOIN company c ON c.id = m.companyId
            WHERE m.accountId = ? AND m.status != 'revoked'
            """, [.text(accountID)]) {
            words += [try row["accountName"], try row["membershipName"], try row["companyName"]]
        }
        return Array(Set(words)).sorted()
    }

    /// The context words of a pending activation's registration.
    package func contextWords(accountID: String) async throws -> [String] {
        try await read { tx in try Self.contextWords(tx, accountID: accountID) }
    }

    /// Deletes expired recovery codes (the janitor).
    package func purgeExpiredRecoveryCodes(now: Date) async throws {
        try await bookkeeping { tx in try tx.execute("DELETE FROM recoveryCode WHERE expiresAt <= ?", [.date(now)]) }
    }
}
