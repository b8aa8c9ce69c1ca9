import Foundation
import GRDB
import WebProfilesDomain

extension ProfileStore {
    // MARK: Reads

    package func registration(id: String) async throws -> RegistrationRecord? {
        try await read { db in try RegistrationRecord.fetchOne(db, key: id) }
    }

    package func registration(username: Username) async throws -> RegistrationRecord? {
        try await read { db in try RegistrationRecord.filter(RegistrationRecord.Columns.username == username.value).fetchOne(db) }
    }

    /// The registration an outstanding, unexpired activation code belongs to.
    package func registration(activationCodeHash: String, now: Date) async throws -> RegistrationRecord? {
        try await read { db in try Self.pendingActivation(db, codeHash: activationCodeHash, now: now) }
    }

    /// A company's registrations ordered by username, after the one given.
    package func listRegistrations(companyID: String, filter: RegistrationFilter, pageSize: Int, after: String?) async throws -> Page<RegistrationRecord> {
        try await read { db in
            let columns = RegistrationRecord.Columns.self
            var request = RegistrationRecord.filter(columns.companyId == companyID)
            if let profile = filter.profile { request = request.filter(columns.profile == profile.rawValue) }
            if let status = filter.status { request = request.filter(columns.status == status.rawValue) }
            if let query = filter.query?.lowercased(), !query.isEmpty {
                let pattern = "%" + query.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
                request = request.filter(sql: "(username LIKE ? ESCAPE '\\' OR lower(displayName) LIKE ? ESCAPE '\\' OR lower(email) LIKE ? ESCAPE '\\')",
                                         arguments: [pattern, pattern, pattern])
            }
            if let after { request = request.filter(columns.username > after) }
            let rows = try request.order(columns.username).limit(pageSize + 1).fetchAll(db)
            let items = Array(rows.prefix(pageSize))
            return Page(items: items, nextAfter: rows.count > pageSize ? items.last?.username : nil)
        }
    }

    // MARK: Gestione utenze

    /// Registers a person in the actor's company, pending activation.
    package func registerUser(actor session: SessionActor, _ new: NewRegistration, activation: ActivationSecret, now: Date) async throws -> RegistrationRecord {
        try await write { db, audit in
            let actor = try Self.liveActor(db, session, now: now)
            do { try ManagementRules.checkRegister(actor: actor.profile, profile: new.profile) } catch let refusal as ManagementRules.Refusal { throw Self.refused(refusal) }
            try Self.checkUsernameFree(db, new.username, field: "username")
            let line = try Self.checkLineAndReferent(db, profile: new.profile, line: new.line?.value, referent: new.referent,
                                                     companyID: actor.companyId, holderID: nil)
            let registration = RegistrationRecord(
                id: Self.newID(), companyId: actor.companyId, username: new.username.value, displayName: new.displayName,
                email: new.email, profile: new.profile, referent: new.profile.allowsReferent ? new.referent : nil, line: line,
                status: .pendingActivation, passwordHash: nil, activationCodeHash: activation.codeHash,
                activationExpiresAt: activation.expiresAt, failedAttempts: 0, lockedUntil: nil,
                createdAt: now, updatedAt: now, lastLoginAt: nil
            )
            try registration.insert(db)
            audit.record(.registered, actor: .registration(session.registrationID), at: now, company: actor.companyId, target: registration.id,
                         after: Self.auditFields(registration))
            return registration
        }
    }

    /// Widens or narrows a registration's profile (and its line and referent).
    package func changeProfile(actor session: SessionActor, targetID: String, profile: Profile, line: MSISDN?, referent: String?, now: Date) async throws -> RegistrationRecord {
        try await write { db, audit in
            let actor = try Self.liveActor(db, session, now: now)
            var target = try Self.target(db, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: profile)
            guard target.status != .revoked else {
                throw StoreError(.failedPrecondition, "the registration is revoked; restore it first", field: "registrationId")
            }
            let wantedLine = line?.value ?? (profile.requiresLine ? target.line : nil)
            let wantedReferent = referent ?? (profile == .adminLight && target.profile == .adminLight ? target.referent : nil)
            let before = Self.auditFields(target)
            target.line = try Self.checkLineAndReferent(db, profile: profile, line: wantedLine, referent: referent,
                                                        companyID: actor.companyId, holderID: target.id)
            target.referent = profile.allowsReferent ? wantedReferent : nil
            target.profile = profile
            target.updatedAt = now
            try target.update(db)
            audit.record(.profileChanged, actor: .registration(session.registrationID), at: now, company: actor.companyId, target: target.id,
                         before: before, after: Self.auditFields(target))
            return target
        }
    }

    /// Revokes a registration's credentials: no more login, every session ends, its line is freed.
    package func revoke(actor session: SessionActor, targetID: String, reason: String?, now: Date) async throws -> (RegistrationRecord, [SessionRecord]) {
        try await write { db, audit in
            let actor = try Self.liveActor(db, session, now: now)
            var target = try Self.target(db, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: nil)
            guard target.status != .revoked else {
                throw StoreError(.failedPrecondition, "the registration is already revoked", field: "registrationId")
            }
            let before = Self.auditFields(target)
            target.status = .revoked
            target.activationCodeHash = nil
            target.activationExpiresAt = nil
            target.failedAttempts = 0
            target.lockedUntil = nil
            target.updatedAt = now
            try target.update(db)
            let ended = try Self.deleteSessions(db, registrationID: target.id)
            var after = Self.auditFields(target)
            after["sessionsEnded"] = String(ended.count)
            if let reason { after["reason"] = reason }
            audit.record(.revoked, actor: .registration(session.registrationID), at: now, company: actor.companyId, target: target.id, before: before, after: after)
            return (target, ended)
        }
    }

    /// Restores a revoked registration: pending activation with a new code (the person sets a new password).
    package func restore(actor session: SessionActor, targetID: String, activation: ActivationSecret, now: Date) async throws -> RegistrationRecord {
        try await write { db, audit in
            let actor = try Self.liveActor(db, session, now: now)
            var target = try Self.target(db, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: nil)
            guard target.status == .revoked else {
                throw StoreError(.failedPrecondition, "only a revoked registration can be restored", field: "registrationId")
            }
            if target.profile.requiresLine {
                guard target.line != nil else {
                    throw StoreError(.failedPrecondition, "the registration's line was removed from the company; change its profile or line after restoring is not possible, register again", field: "registrationId")
                }
                do {
                    _ = try Self.checkLineAndReferent(db, profile: target.profile, line: target.line, referent: nil, companyID: actor.companyId, holderID: target.id)
                } catch let error as StoreError where error.code == .alreadyExists {
                    throw StoreError(.failedPrecondition, "the registration's line is now held by another registration", field: "registrationId")
                }
            }
            let before = Self.auditFields(target)
            target.status = .pendingActivation
            target.passwordHash = nil
            target.activationCodeHash = activation.codeHash
            target.activationExpiresAt = activation.expiresAt
            target.failedAttempts = 0
            target.lockedUntil = nil
            target.updatedAt = now
            try target.update(db)
            audit.record(.restored, actor: .registration(session.registrationID), at: now, company: actor.companyId, target: target.id,
                         before: before, after: Self.auditFields(target))
            return target
        }
    }

    /// Clears a lockout (operator plane).
    package func unlock(registrationID: String, actor: AuditActor, now: Date) async throws -> RegistrationRecord {
        try await write { db, audit in
            guard var target = try RegistrationRecord.fetchOne(db, key: registrationID) else {
                throw StoreError(.notFound, "no registration \(registrationID.prefix(64))", field: "registrationId")
            }
            let wasLocked = target.isLocked(at: now)
            target.failedAttempts = 0
            target.lockedUntil = nil
            target.updatedAt = now
            try target.update(db)
            audit.record(.unlocked, actor: actor, at: now, company: target.companyId, target: target.id,
                         before: ["locked": String(wasLocked)], after: ["locked": "false"])
            return target
        }
    }

    // MARK: Activation and passwords

    /// Sets the first password with a single-use activation code.
    package func activate(codeHash: String, passwordHash: String, now: Date) async throws -> RegistrationRecord {
        try await write { db, audit in
            guard var registration = try Self.pendingActivation(db, codeHash: codeHash, now: now) else {
                throw StoreError(.unauthenticated, "invalid or expired activation code")
            }
            let before = Self.auditFields(registration)
            registration.status = .active
            registration.passwordHash = passwordHash
            registration.activationCodeHash = nil
            registration.activationExpiresAt = nil
            registration.failedAttempts = 0
            registration.updatedAt = now
            try registration.update(db)
            audit.record(.activated, actor: .registration(registration.id), at: now, company: registration.companyId,
                         target: registration.id, before: before, after: Self.auditFields(registration))
            return registration
        }
    }

    /// Sets a new password and ends every other session of the registration. Refused if, since
    /// the current password was verified, it changed or the registration got locked or inactive.
    package func changePassword(registrationID: String, verifiedPasswordHash: String, passwordHash: String, keepSessionID: String?,
                               now: Date) async throws -> [SessionRecord] {
        try await write { db, audit in
            guard var registration = try RegistrationRecord.fetchOne(db, key: registrationID), registration.status == .active else {
                throw StoreError(.unauthenticated, "the registration is not active")
            }
            if let keepSessionID {
                guard let kept = try SessionRecord.fetchOne(db, key: keepSessionID), kept.registrationId == registrationID else {
                    throw StoreError(.unauthenticated, "the session has ended")
                }
            }
            guard registration.passwordHash == verifiedPasswordHash, !registration.isLocked(at: now) else {
                throw StoreError(.failedPrecondition, "the password changed or the registration was locked meanwhile; try again", field: "currentPassword")
            }
            registration.passwordHash = passwordHash
            registration.failedAttempts = 0
            registration.updatedAt = now
            try registration.update(db)
            var ended = try SessionRecord.filter(SessionRecord.Columns.registrationId == registrationID).fetchAll(db)
            ended.removeAll { $0.id == keepSessionID }
            for session in ended { try session.delete(db) }
            audit.record(.passwordChanged, actor: .registration(registrationID), at: now, company: registration.companyId,
                         target: registrationID, after: ["sessionsEnded": String(ended.count)])
            return ended
        }
    }

    // MARK: Helpers

    static func pendingActivation(_ db: Database, codeHash: String, now: Date) throws -> RegistrationRecord? {
        guard let r = try RegistrationRecord.filter(RegistrationRecord.Columns.activationCodeHash == codeHash).fetchOne(db),
              r.status == .pendingActivation, let expiry = r.activationExpiresAt, expiry > now
        else { return nil }
        return r
    }

    /// The acting registration, which must be active, with the session it acts through still
    /// there: checked inside the write's transaction, so a revocation or logout that committed
    /// first is never acted past.
    static func liveActor(_ db: Database, _ session: SessionActor, now: Date) throws -> RegistrationRecord {
        guard let actor = try RegistrationRecord.fetchOne(db, key: session.registrationID), actor.status == .active,
              let row = try SessionRecord.fetchOne(db, key: session.sessionID), row.registrationId == session.registrationID,
              row.expiresAt > now
        else {
            throw StoreError(.unauthenticated, "the session has ended")
        }
        return actor
    }

    /// A registration of the actor's company; other companies' look like nonexistent ones.
    static func target(_ db: Database, _ id: String, companyID: String) throws -> RegistrationRecord {
        guard let target = try RegistrationRecord.fetchOne(db, key: id), target.companyId == companyID else {
            throw StoreError(.notFound, "no registration \(id.prefix(64)) in your company", field: "registrationId")
        }
        return target
    }

    static func checkManage(actor: RegistrationRecord, target: RegistrationRecord, newProfile: Profile?) throws {
        do {
            try ManagementRules.checkManage(actorID: actor.id, actorCompany: actor.companyId, actor: actor.profile,
                                            targetID: target.id, targetCompany: target.companyId, target: target.profile,
                                            newProfile: newProfile)
        } catch {
            throw refused(error)
        }
    }

    static func refused(_ refusal: ManagementRules.Refusal) -> StoreError {
        switch refusal {
        case .otherCompany: StoreError(.notFound, "no such registration in your company", field: "registrationId")
        case .profileNotGrantable: StoreError(.permissionDenied, refusal.description, field: "profile")
        default: StoreError(.permissionDenied, refusal.description)
        }
    }

    /// Checks the line and referent a registration with `profile` would hold; returns the line.
    static func checkLineAndReferent(_ db: Database, profile: Profile, line: String?, referent: String?,
                                     companyID: String, holderID: String?) throws -> String? {
        if referent != nil && !profile.allowsReferent {
            throw StoreError(.invalidArgument, "only adminLight registrations carry a referent", field: "referent")
        }
        guard profile.requiresLine else {
            if line != nil { throw StoreError(.invalidArgument, "only user and deviceUser registrations hold a line", field: "line") }
            return nil
        }
        guard let line else {
            throw StoreError(.invalidArgument, "a \(profile) registration needs a mobile line of the company", field: "line")
        }
        guard let record = try LineRecord.fetchOne(db, key: line), record.companyId == companyID else {
            throw StoreError(.invalidArgument, "\(line) is not a line of the company", field: "line")
        }
        guard record.kind == .mobile else {
            throw StoreError(.invalidArgument, "\(line) is a fixed line; a mobile line is needed", field: "line")
        }
        var holders = RegistrationRecord.filter(RegistrationRecord.Columns.line == line && RegistrationRecord.Columns.status != RegistrationStatus.revoked.rawValue)
        if let holderID { holders = holders.filter(RegistrationRecord.Columns.id != holderID) }
        guard try holders.fetchCount(db) == 0 else {
            throw StoreError(.alreadyExists, "\(line) is already held by another registration", field: "line")
        }
        return line
    }

    static func deleteSessions(_ db: Database, registrationID: String) throws -> [SessionRecord] {
        let sessions = try SessionRecord.filter(SessionRecord.Columns.registrationId == registrationID).fetchAll(db)
        for session in sessions { try session.delete(db) }
        return sessions
    }
}
