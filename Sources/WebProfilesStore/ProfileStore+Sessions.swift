import Foundation
import GRDB
import WebProfilesDomain

extension ProfileStore {
    package func session(tokenHash: String) async throws -> SessionRecord? {
        try await read { db in try SessionRecord.filter(SessionRecord.Columns.tokenHash == tokenHash).fetchOne(db) }
    }

    package func sessions(registrationID: String) async throws -> [SessionRecord] {
        try await read { db in
            try SessionRecord.filter(SessionRecord.Columns.registrationId == registrationID)
                .order(SessionRecord.Columns.createdAt.desc).fetchAll(db)
        }
    }

    /// Ends one session of the caller's registration (its own: a logout; another: a revocation),
    /// with its audit event. The caller's own session must still exist and its registration be
    /// active (checked in the transaction), unless it is the one being ended.
    package func endSession(id: String, caller: SessionActor, action: AuditAction, now: Date) async throws -> SessionRecord? {
        let registrationID = caller.registrationID
        return try await write { db, audit in
            if id != caller.sessionID { _ = try Self.liveActor(db, caller, now: now) }
            guard let session = try SessionRecord.fetchOne(db, key: id), session.registrationId == registrationID else { return nil }
            try session.delete(db)
            let companyID = try String.fetchOne(db, sql: "SELECT companyId FROM registration WHERE id = ?", arguments: [registrationID])
            audit.record(action, actor: .registration(registrationID), at: now, company: companyID, target: registrationID, after: ["sessionId": id])
            return session
        }
    }

    /// Persists last-use times gathered in memory (one transaction for the batch).
    package func updateLastSeen(_ updates: [String: Date]) async throws {
        guard !updates.isEmpty else { return }
        try await bookkeeping { db in
            let statement = try db.makeStatement(sql: "UPDATE session SET lastSeenAt = ? WHERE id = ? AND lastSeenAt < ?")
            for (id, date) in updates { try statement.execute(arguments: [date, id, date]) }
        }
    }

    /// Deletes the sessions no longer live under `lifetime` (past their expiry, or idle).
    package func deleteExpiredSessions(now: Date, lifetime: SessionLifetime) async throws -> [SessionRecord] {
        try await bookkeeping { db in
            let idleCutoff = lifetime.idleCutoff(at: now)
            let expired = try SessionRecord
                .filter(SessionRecord.Columns.expiresAt <= now || SessionRecord.Columns.lastSeenAt <= idleCutoff)
                .fetchAll(db)
            for session in expired { try session.delete(db) }
            return expired
        }
    }
}
