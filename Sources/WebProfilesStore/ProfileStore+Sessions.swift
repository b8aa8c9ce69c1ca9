import Foundation
import WebProfilesDomain

extension ProfileStore {
    package func session(tokenHash: String) async throws -> SessionRecord? {
        try await read { tx in try SessionRecord.fetchOne(tx, where: "tokenHash = ?", [.text(tokenHash)]) }
    }

    /// An account's sessions, newest first.
    package func sessions(accountID: String) async throws -> [SessionRecord] {
        try await read { tx in try SessionRecord.fetchAll(tx, where: "accountId = ?", [.text(accountID)], orderBy: "createdAt DESC, id") }
    }

    /// Ends one session of the caller's account (its own: a logout; another: a revocation), with
    /// its audit event. The caller's own session must still exist and its registration be active
    /// (checked in the transaction), unless it is the one being ended.
    package func endSession(id: String, caller: SessionActor, action: AuditAction, now: Date) async throws -> SessionRecord? {
        try await write { tx, log in
            if id != caller.sessionID { _ = try Self.liveActor(tx, caller, now: now) }
            guard let session = try SessionRecord.fetchOne(tx, key: id), session.accountId == caller.accountID else { return nil }
            try session.delete(tx)
            let companyID = try tx.scalar("SELECT companyId FROM membership WHERE id = ?", [.text(caller.registrationID)], as: String.self)
            log.record(action, actor: .registration(caller.registrationID), at: now, company: companyID, target: caller.registrationID,
                       account: caller.accountID, after: ["sessionId": id])
            log.changed(.sessions([session.tokenHash]))
            return session
        }
    }

    /// Ends every session of the caller's account but the one it calls through ("sign out
    /// everywhere else").
    package func endOtherSessions(caller: SessionActor, now: Date) async throws -> [SessionRecord] {
        try await write { tx, log in
            let actor = try Self.liveActor(tx, caller, now: now)
            let ended = try SessionRecord.fetchAll(tx, where: "accountId = ? AND id != ?", [.text(caller.accountID), .text(caller.sessionID)])
            for session in ended { try session.delete(tx) }
            log.record(.sessionRevoked, actor: .registration(actor.id), at: now, company: actor.companyId, target: actor.id,
                       account: caller.accountID, after: ["sessionsEnded": String(ended.count), "reason": "signed out everywhere else"])
            if !ended.isEmpty { log.changed(.sessions(ended.map(\.tokenHash))) }
            return ended
        }
    }

    /// The sessions of a registration's person, as a manager of the registration's company sees
    /// them: those acting for that company or for none chosen yet (a person who also belongs to
    /// other companies keeps their use of those to themselves).
    package func userSessions(actor caller: SessionActor, targetID: String, now: Date) async throws -> (RegistrationRecord, [SessionRecord]) {
        try await read { tx in
            let actor = try Self.liveActor(tx, caller, now: now)
            let target = try Self.target(tx, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: nil)
            let sessions = try SessionRecord.fetchAll(tx, where: "accountId = ? AND (selectedCompanyId IS NULL OR selectedCompanyId = ?)",
                                                      [.text(target.accountId), .text(actor.companyId)], orderBy: "createdAt DESC, id")
            return (target, sessions)
        }
    }

    /// Ends every session of a registration's person, by a manager of its company. Refused for
    /// a person who also belongs to another company (their sessions serve that company too):
    /// revoking the registration takes this company away from them at once.
    package func endUserSessions(actor caller: SessionActor, targetID: String, now: Date) async throws -> (RegistrationRecord, [SessionRecord]) {
        try await write { tx, log in
            let actor = try Self.liveActor(tx, caller, now: now)
            let target = try Self.target(tx, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: nil)
            try Self.checkNotShared(tx, target, what: "end their sessions")
            let ended = try Self.endAllSessions(tx, accountID: target.accountId, log: &log)
            log.record(.sessionRevoked, actor: .manager(actor), at: now, company: actor.companyId, target: target.id,
                       account: target.accountId, after: ["sessionsEnded": String(ended.count), "reason": "ended by a manager"])
            return (target, ended)
        }
    }

    /// Every session of a registration's person (the operator plane sees them all).
    package func userSessions(registrationID: String) async throws -> (RegistrationRecord, [SessionRecord]) {
        try await read { tx in
            let target = try Self.registration(tx, registrationID)
            return (target, try SessionRecord.fetchAll(tx, where: "accountId = ?", [.text(target.accountId)], orderBy: "createdAt DESC, id"))
        }
    }

    /// Ends every session of a registration's person (the operator plane).
    package func endUserSessions(registrationID: String, actor: AuditActor, reason: String, now: Date) async throws -> (RegistrationRecord, [SessionRecord]) {
        try await write { tx, log in
            let target = try Self.registration(tx, registrationID)
            let ended = try Self.endAllSessions(tx, accountID: target.accountId, log: &log)
            log.record(.sessionRevoked, actor: actor, at: now, company: target.companyId, target: target.id, account: target.accountId,
                       after: ["sessionsEnded": String(ended.count), "reason": reason])
            return (target, ended)
        }
    }

    /// Chooses the company a session acts for when a call names none; it must be one of the
    /// account's active registrations.
    package func selectCompany(sessionID: String, accountID: String, companyID: String, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            guard var session = try SessionRecord.fetchOne(tx, key: sessionID), session.accountId == accountID, session.expiresAt > now else {
                throw StoreError(.unauthenticated, "the session has ended")
            }
            guard let registration = try RegistrationRecord.fetchOne(tx, where: "m.accountId = ? AND m.companyId = ? AND m.status = 'active'",
                                                                     [.text(accountID), .text(companyID)])
            else {
                throw StoreError(.permissionDenied, "you have no active registration in company \(companyID.prefix(64))", field: "companyId")
            }
            session.selectedCompanyId = companyID
            try session.update(tx)
            log.changed(.sessions([session.tokenHash]))
            return registration
        }
    }

    /// Persists last-use times gathered in memory (one transaction for the batch).
    package func updateLastSeen(_ updates: [String: Date]) async throws {
        guard !updates.isEmpty else { return }
        try await bookkeeping { tx in
            for (id, date) in updates {
                try tx.execute("UPDATE session SET lastSeenAt = ? WHERE id = ? AND lastSeenAt < ?", [.date(date), .text(id), .date(date)])
            }
        }
    }

    /// Deletes the sessions no longer live under `lifetime` (past their expiry, or idle). With
    /// a shared database, other daemons' uses reach it up to a flush interval late: a session is
    /// judged idle only `idleGrace` after its recorded last use says so.
    /// Sessions still live at `now` under `lifetime` (neither past their end nor idle), whether
    /// or not the purge has removed the others yet: one scan of the session table, which the
    /// purge keeps to about the live sessions.
    package func liveSessionCount(now: Date, lifetime: SessionLifetime) async throws -> Int {
        try await read { tx in
            try tx.count("SELECT COUNT(*) FROM session WHERE expiresAt > ? AND lastSeenAt > ?", [.date(now), .date(lifetime.idleCutoff(at: now))])
        }
    }

    package func deleteExpiredSessions(now: Date, lifetime: SessionLifetime, idleGrace: TimeInterval = 0) async throws -> [SessionRecord] {
        try await write { tx, log in
            let expired = try SessionRecord.fetchAll(tx, where: "expiresAt <= ? OR lastSeenAt <= ?",
                                                     [.date(now), .date(lifetime.idleCutoff(at: now).addingTimeInterval(-idleGrace))])
            for session in expired { try session.delete(tx) }
            if !expired.isEmpty { log.changed(.sessions(expired.map(\.tokenHash))) }
            return expired
        }
    }

    // MARK: Helpers

    /// A registration by id, in any company (the operator plane).
    static func registration(_ tx: some StoreTransaction, _ id: String) throws -> RegistrationRecord {
        guard let target = try RegistrationRecord.fetchOne(tx, id: id) else {
            throw StoreError(.notFound, "no registration \(id.prefix(64))", field: "registrationId")
        }
        return target
    }

    /// Refuses an account-wide change by a company's manager when the person belongs to another
    /// company too (live or invited there): only the person, or the desk, changes what serves both.
    static func checkNotShared(_ tx: some StoreTransaction, _ target: RegistrationRecord, what: String) throws {
        if try tx.exists("SELECT 1 FROM membership WHERE accountId = ? AND id != ? AND status != 'revoked'", [.text(target.accountId), .text(target.id)]) {
            throw StoreError(.failedPrecondition,
                             "the person's account also serves another company, so only they (or customer service) can \(what)",
                             field: "registrationId")
        }
    }

    static func endAllSessions(_ tx: some StoreTransaction, accountID: String, log: inout TransactionLog) throws -> [SessionRecord] {
        let sessions = try SessionRecord.fetchAll(tx, where: "accountId = ?", [.text(accountID)])
        for session in sessions { try session.delete(tx) }
        if !sessions.isEmpty { log.changed(.sessions(sessions.map(\.tokenHash))) }
        return sessions
    }
}
