import Foundation
import WebProfilesDomain

extension ProfileStore {
    // MARK: Reads

    package func registration(id: String) async throws -> RegistrationRecord? {
        try await read { tx in try RegistrationRecord.fetchOne(tx, id: id) }
    }

    package func account(id: String) async throws -> AccountRecord? {
        try await read { tx in try AccountRecord.fetchOne(tx, key: id) }
    }

    package func account(username: Username) async throws -> AccountRecord? {
        try await read { tx in try AccountRecord.fetchOne(tx, where: "username = ?", [.text(username.value)]) }
    }

    /// The registrations (memberships) of an account, in every company.
    package func registrations(accountID: String) async throws -> [RegistrationRecord] {
        try await read { tx in try RegistrationRecord.fetchAll(tx, where: "m.accountId = ?", [.text(accountID)], orderBy: "m.createdAt, m.id") }
    }

    /// An account with its active registrations (oldest first) and their companies' names: what
    /// authorization caches of it. Nil when the account does not exist.
    package func activeRegistrations(accountID: String) async throws -> (account: AccountRecord, registrations: [(RegistrationRecord, companyName: String)])? {
        try await read { tx in
            guard let account = try AccountRecord.fetchOne(tx, key: accountID) else { return nil }
            return (account, try Self.activeRegistrations(tx, accountID: accountID))
        }
    }

    /// An account's active registrations, oldest first, with their companies' names.
    static func activeRegistrations(_ tx: some StoreTransaction, accountID: String) throws -> [(RegistrationRecord, companyName: String)] {
        let rows = try tx.rows("""
            SELECT \(RegistrationRecord.selectList), c.name AS companyName
            FROM membership m JOIN account a ON a.id = m.accountId JOIN company c ON c.id = m.companyId
            WHERE m.accountId = ? AND m.status = 'active' ORDER BY m.createdAt, m.id
            """, [.text(accountID)])
        return try rows.map { (try RegistrationRecord(row: $0), companyName: try $0.get("companyName", as: String.self)) }
    }

    /// The registration an outstanding, unexpired activation (or invitation) code belongs to.
    package func registration(activationCodeHash: String, now: Date) async throws -> RegistrationRecord? {
        try await read { tx in try Self.pendingActivation(tx, codeHash: activationCodeHash, now: now) }
    }

    /// A company's registrations ordered by username, after the one given.
    package func listRegistrations(companyID: String, filter: RegistrationFilter, pageSize: Int, after: String?) async throws -> Page<RegistrationRecord> {
        try await read { tx in
            var conditions = ["m.companyId = ?"]
            var arguments: [SQLValue] = [.text(companyID)]
            if let profile = filter.profile {
                conditions.append("m.profile = ?")
                arguments.append(profile.sqlValue)
            }
            if let status = filter.status {
                conditions.append("m.status = ?")
                arguments.append(status.sqlValue)
            }
            if let query = filter.query.map(SearchText.fold), !query.isEmpty {
                conditions.append("m.searchText LIKE ? ESCAPE '\\'")
                arguments.append(.text("%" + Self.escapeLike(query) + "%"))
            }
            if let after {
                conditions.append("a.username > ?")
                arguments.append(.text(after))
            }
            let rows = try RegistrationRecord.fetchAll(tx, where: conditions.joined(separator: " AND "), arguments, orderBy: "a.username", limit: pageSize + 1)
            let items = Array(rows.prefix(pageSize))
            return Page(items: items, nextAfter: rows.count > pageSize ? items.last?.username : nil)
        }
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    // MARK: Gestione utenze

    /// Registers a person in the actor's company, pending activation (or, when the username is
    /// an existing person's, pending their acceptance: the answer is the same either way).
    package func registerUser(actor session: SessionActor, _ new: NewRegistration, activation: ActivationSecret, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            let actor = try Self.liveActor(tx, session, now: now)
            do { try ManagementRules.checkRegister(actor: actor.profile, profile: new.profile) } catch let refusal as ManagementRules.Refusal { throw Self.refused(refusal) }
            let (line, referent) = try Self.checkLineAndReferent(tx, profile: new.profile, line: new.line?.value, referent: new.referent,
                                                                 companyID: actor.companyId, holderID: nil)
            let registration = try Self.enroll(tx, id: Self.newID(), username: new.username, displayName: new.displayName, email: new.email,
                                               fiscalCode: nil, companyID: actor.companyId, profile: new.profile, line: line,
                                               referent: referent, activation: activation, now: now)
            log.record(.registered, actor: .manager(actor), at: now, company: actor.companyId, target: registration.id,
                       after: Self.auditFields(registration))
            log.changed(.account(registration.accountId))
            return registration
        }
    }

    /// Widens or narrows a registration's profile (and its line and referent).
    package func changeProfile(actor session: SessionActor, targetID: String, profile: Profile, line: MSISDN?, referent: String?, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            let actor = try Self.liveActor(tx, session, now: now)
            var target = try Self.target(tx, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: profile)
            guard target.status != .revoked else {
                throw StoreError(.failedPrecondition, "the registration is revoked; restore it first", field: "registrationId")
            }
            let wantedLine = line?.value ?? (profile.requiresLine ? target.line : nil)
            let keptReferent = referent == nil && profile == .adminLight && target.profile == .adminLight ? target.referent : nil
            let before = Self.auditFields(target)
            let checked = try Self.checkLineAndReferent(tx, profile: profile, line: wantedLine, referent: referent,
                                                        companyID: actor.companyId, holderID: target.id)
            target.membership.line = checked.line
            target.membership.referent = checked.referent ?? keptReferent
            target.membership.profile = profile
            target.membership.updatedAt = now
            try target.membership.update(tx)
            log.record(.profileChanged, actor: .manager(actor), at: now, company: actor.companyId, target: target.id,
                       before: before, after: Self.auditFields(target))
            log.changed(.account(target.accountId))
            return target
        }
    }

    /// Revokes a registration's credentials in the actor's company: no more access to it, its
    /// line is freed; the person's sessions end unless they still belong to another company.
    package func revoke(actor session: SessionActor, targetID: String, reason: String?, now: Date) async throws -> (RegistrationRecord, [SessionRecord]) {
        try await write { tx, log in
            let actor = try Self.liveActor(tx, session, now: now)
            var target = try Self.target(tx, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: nil)
            guard target.status != .revoked else {
                throw StoreError(.failedPrecondition, "the registration is already revoked", field: "registrationId")
            }
            let before = Self.auditFields(target)
            target.membership.status = .revoked
            target.membership.activationCodeHash = nil
            target.membership.activationExpiresAt = nil
            target.membership.updatedAt = now
            try target.membership.update(tx)
            let ended = try Self.endSessionsLosingTheirLastMembership(tx, accountID: target.accountId, log: &log)
            var after = Self.auditFields(target)
            after["sessionsEnded"] = String(ended.count)
            if let reason { after["reason"] = reason }
            log.record(.revoked, actor: .manager(actor), at: now, company: actor.companyId, target: target.id, before: before, after: after)
            log.changed(.account(target.accountId))
            return (target, ended)
        }
    }

    /// Restores a revoked registration, pending again with a new code: the person sets a new
    /// password with it, or, when their account still belongs to another company, accepts it
    /// as an invitation (their password is theirs, and that other company's too).
    package func restore(actor session: SessionActor, targetID: String, activation: ActivationSecret, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            let actor = try Self.liveActor(tx, session, now: now)
            var target = try Self.target(tx, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: nil)
            guard target.status == .revoked else {
                throw StoreError(.failedPrecondition, "only a revoked registration can be restored", field: "registrationId")
            }
            if target.profile.requiresLine {
                guard target.line != nil else {
                    throw StoreError(.failedPrecondition, "the registration's line was removed from the company; register the person again", field: "registrationId")
                }
                do {
                    _ = try Self.checkLineAndReferent(tx, profile: target.profile, line: target.line, referent: nil, companyID: actor.companyId, holderID: target.id)
                } catch let error as StoreError where error.code == .alreadyExists {
                    throw StoreError(.failedPrecondition, "the registration's line is now held by another registration", field: "registrationId")
                }
            }
            let before = Self.auditFields(target)
            let sharedAccount = try Self.hasOtherLiveMemberships(tx, accountID: target.accountId, except: target.id)
            target.membership.status = .pendingActivation
            target.membership.invited = sharedAccount
            target.membership.activationCodeHash = activation.codeHash
            target.membership.activationExpiresAt = activation.expiresAt
            target.membership.updatedAt = now
            try target.membership.update(tx)
            if !sharedAccount {
                target.account.passwordHash = nil
                target.account.failedAttempts = 0
                target.account.lockedUntil = nil
                target.account.updatedAt = now
                try target.account.update(tx)
            }
            log.record(.restored, actor: .manager(actor), at: now, company: actor.companyId, target: target.id,
                       before: before, after: Self.auditFields(target))
            log.changed(.account(target.accountId))
            return target
        }
    }

    /// Clears the lockout of a registration's account (operator plane).
    package func unlock(registrationID: String, actor: AuditActor, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            guard var target = try RegistrationRecord.fetchOne(tx, id: registrationID) else {
                throw StoreError(.notFound, "no registration \(registrationID.prefix(64))", field: "registrationId")
            }
            let wasLocked = target.isLocked(at: now)
            target.account.failedAttempts = 0
            target.account.lockedUntil = nil
            target.account.updatedAt = now
            try target.account.update(tx)
            log.record(.unlocked, actor: actor, at: now, company: target.companyId, target: target.id, account: target.accountId,
                       before: ["locked": String(wasLocked)], after: ["locked": "false"])
            log.changed(.account(target.accountId))
            return target
        }
    }

    // MARK: Activation and passwords

    /// Sets the first password with a single-use activation code.
    package func activate(codeHash: String, passwordHash: String, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            guard var registration = try Self.pendingActivation(tx, codeHash: codeHash, now: now) else {
                throw StoreError(.unauthenticated, "invalid or expired activation code")
            }
            guard !registration.membership.invited else {
                throw StoreError(.failedPrecondition, "this code is an invitation for an existing account: log in and accept it (Session/AcceptInvitation)",
                                 field: "activationCode")
            }
            let before = Self.auditFields(registration)
            registration.membership.status = .active
            registration.membership.activationCodeHash = nil
            registration.membership.activationExpiresAt = nil
            registration.membership.updatedAt = now
            try registration.membership.update(tx)
            registration.account.passwordHash = passwordHash
            registration.account.failedAttempts = 0
            registration.account.updatedAt = now
            try registration.account.update(tx)
            log.record(.activated, actor: .registration(registration.id), at: now, company: registration.companyId,
                       target: registration.id, account: registration.accountId, before: before, after: Self.auditFields(registration))
            log.changed(.account(registration.accountId))
            return registration
        }
    }

    /// Sets a new password and ends every other session of the account. Refused if, since the
    /// current password was verified, it changed or the account got locked or lost its last
    /// active registration.
    package func changePassword(accountID: String, verifiedPasswordHash: String, passwordHash: String, keepSessionID: String?,
                                now: Date) async throws -> [SessionRecord] {
        try await write { tx, log in
            guard var account = try AccountRecord.fetchOne(tx, key: accountID), try Self.hasOtherLiveMemberships(tx, accountID: accountID, except: nil) else {
                throw StoreError(.unauthenticated, "the account has no active registration")
            }
            if let keepSessionID {
                guard let kept = try SessionRecord.fetchOne(tx, key: keepSessionID), kept.accountId == accountID else {
                    throw StoreError(.unauthenticated, "the session has ended")
                }
            }
            guard account.passwordHash == verifiedPasswordHash, !account.isLocked(at: now) else {
                throw StoreError(.failedPrecondition, "the password changed or the account was locked meanwhile; try again", field: "currentPassword")
            }
            account.passwordHash = passwordHash
            account.failedAttempts = 0
            account.updatedAt = now
            try account.update(tx)
            var ended = try SessionRecord.fetchAll(tx, where: "accountId = ?", [.text(accountID)])
            ended.removeAll { $0.id == keepSessionID }
            for session in ended { try session.delete(tx) }
            log.record(.passwordChanged, actor: .account(accountID), at: now, company: nil, target: nil, account: accountID,
                       after: ["sessionsEnded": String(ended.count)])
            log.changed(.account(accountID))
            log.changed(.sessions(ended.map(\.tokenHash)))
            return ended
        }
    }

    // MARK: Helpers

    /// Registers `username` in `companyID`: a new account with its first membership, or, when the
    /// account exists, a membership it accepts as an invitation. The same writes either way (an
    /// invitation touches one more row instead of inserting the account), so that neither the
    /// answer nor its timing tells the company whether the person existed.
    static func enroll(_ tx: some StoreTransaction, id: String, username: Username, displayName: String, email: String, fiscalCode: String?,
                       companyID: String, profile: Profile, line: String?, referent: String?, activation: ActivationSecret, now: Date) throws -> RegistrationRecord {
        var account = try AccountRecord.fetchOne(tx, where: "username = ?", [.text(username.value)])
        let invited = account != nil
        if let existing = account {
            if try tx.exists("SELECT 1 FROM membership WHERE accountId = ? AND companyId = ?", [.text(existing.id), .text(companyID)]) {
                throw StoreError(.alreadyExists, "the username is taken", field: "username")
            }
            if let fiscalCode, existing.fiscalCode == nil {
                account?.fiscalCode = fiscalCode
                account?.updatedAt = now
                try account?.update(tx)
            } else {
                try touchProbe(tx, now: now)
            }
        } else {
            let created = AccountRecord(id: id, username: username.value, displayName: displayName, email: email, fiscalCode: fiscalCode,
                                        createdAt: now, updatedAt: now)
            try created.insert(tx)
            account = created
        }
        guard let account else { throw StoreError(.internal, "no account") }
        let membership = MembershipRecord(
            id: id, accountId: account.id, companyId: companyID, displayName: displayName, email: email, profile: profile,
            referent: referent, line: line, status: .pendingActivation, invited: invited, activationCodeHash: activation.codeHash,
            activationExpiresAt: activation.expiresAt, searchText: SearchText.key(username.value, displayName, email), createdAt: now, updatedAt: now
        )
        try membership.insert(tx)
        return RegistrationRecord(membership: membership, account: account)
    }

    static func pendingActivation(_ tx: some StoreTransaction, codeHash: String, now: Date) throws -> RegistrationRecord? {
        guard let r = try RegistrationRecord.fetchAll(tx, where: "m.activationCodeHash = ?", [.text(codeHash)], limit: 1).first,
              r.status == .pendingActivation, let expiry = r.membership.activationExpiresAt, expiry > now
        else { return nil }
        return r
    }

    /// The acting registration, which must be active, with the session it acts through still
    /// there: checked inside the write's transaction, so a revocation or logout that committed
    /// first is never acted past.
    static func liveActor(_ tx: some StoreTransaction, _ session: SessionActor, now: Date) throws -> RegistrationRecord {
        guard let actor = try RegistrationRecord.fetchOne(tx, id: session.registrationID), actor.status == .active,
              actor.accountId == session.accountID,
              let row = try SessionRecord.fetchOne(tx, key: session.sessionID), row.accountId == session.accountID, row.expiresAt > now
        else {
            throw StoreError(.unauthenticated, "the session has ended")
        }
        return actor
    }

    /// A registration of the actor's company; other companies' look like nonexistent ones.
    static func target(_ tx: some StoreTransaction, _ id: String, companyID: String) throws -> RegistrationRecord {
        guard let target = try RegistrationRecord.fetchOne(tx, id: id), target.companyId == companyID else {
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

    /// Checks the line and referent a registration with `profile` would hold; returns them, the
    /// referent as the company's contract lists it when it lists referent types.
    static func checkLineAndReferent(_ tx: some StoreTransaction, profile: Profile, line: String?, referent: String?,
                                     companyID: String, holderID: String?) throws -> (line: String?, referent: String?) {
        var listed = referent
        if let referent {
            guard profile.allowsReferent else {
                throw StoreError(.invalidArgument, "only adminLight registrations carry a referent", field: "referent")
            }
            if let types = try CompanyRecord.fetchOne(tx, key: companyID)?.referentTypeList {
                guard let match = types.first(where: { SearchText.fold($0) == SearchText.fold(referent) }) else {
                    throw StoreError(.invalidArgument, "the company's contract names these referent types: \(types.joined(separator: ", "))",
                                     field: "referent")
                }
                listed = match
            }
        }
        guard profile.requiresLine else {
            if line != nil { throw StoreError(.invalidArgument, "only user and deviceUser registrations hold a line", field: "line") }
            return (nil, listed)
        }
        guard let line else {
            throw StoreError(.invalidArgument, "a \(profile) registration needs a mobile line of the company", field: "line")
        }
        guard let record = try LineRecord.fetchOne(tx, key: line), record.companyId == companyID else {
            throw StoreError(.invalidArgument, "\(line) is not a line of the company", field: "line")
        }
        guard record.kind == .mobile else {
            throw StoreError(.invalidArgument, "\(line) is a fixed line; a mobile line is needed", field: "line")
        }
        let holders = try tx.count("SELECT COUNT(*) FROM membership WHERE line = ? AND status != 'revoked' AND id != ?",
                                   [.text(line), .text(holderID ?? "")])
        guard holders == 0 else {
            throw StoreError(.alreadyExists, "\(line) is already held by another registration", field: "line")
        }
        return (line, listed)
    }

    /// Whether the account has an active registration (other than `except`).
    static func hasOtherLiveMemberships(_ tx: some StoreTransaction, accountID: String, except: String?) throws -> Bool {
        try tx.exists("SELECT 1 FROM membership WHERE accountId = ? AND status = 'active' AND id != ?", [.text(accountID), .text(except ?? "")])
    }

    /// When an account has no active registration left, its sessions end (they have nothing to
    /// act for); otherwise they go on for the companies it still belongs to.
    static func endSessionsLosingTheirLastMembership(_ tx: some StoreTransaction, accountID: String, log: inout TransactionLog) throws -> [SessionRecord] {
        guard try !hasOtherLiveMemberships(tx, accountID: accountID, except: nil) else { return [] }
        let sessions = try SessionRecord.fetchAll(tx, where: "accountId = ?", [.text(accountID)])
        for session in sessions { try session.delete(tx) }
        if !sessions.isEmpty { log.changed(.sessions(sessions.map(\.tokenHash))) }
        return sessions
    }
}
