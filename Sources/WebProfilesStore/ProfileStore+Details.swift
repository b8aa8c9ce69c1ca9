import Foundation
import WebProfilesDomain

extension ProfileStore {
    /// Corrects a registration's display name or email, by a manager of its company. The
    /// person's own account (where recovery codes go) follows when it serves no other company;
    /// otherwise only this company's view of them changes.
    package func updateRegistration(actor caller: SessionActor, targetID: String, displayName: String?, email: String?, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            let actor = try Self.liveActor(tx, caller, now: now)
            var target = try Self.target(tx, targetID, companyID: actor.companyId)
            try Self.checkManage(actor: actor, target: target, newProfile: nil)
            guard target.status != .revoked else {
                throw StoreError(.failedPrecondition, "the registration is revoked; restore it first", field: "registrationId")
            }
            let before = Self.detailFields(displayName: target.displayName, email: target.email)
            target.membership.displayName = displayName ?? target.membership.displayName
            target.membership.email = email ?? target.membership.email
            target.membership.searchText = SearchText.key(target.username, target.membership.displayName, target.membership.email)
            target.membership.updatedAt = now
            try target.membership.update(tx)
            let shared = try tx.exists("SELECT 1 FROM membership WHERE accountId = ? AND id != ? AND status != 'revoked'",
                                       [.text(target.accountId), .text(target.id)])
            if !shared && !target.membership.invited {
                target.account.displayName = target.membership.displayName
                target.account.email = target.membership.email
                target.account.updatedAt = now
                try target.account.update(tx)
            }
            log.record(.detailsChanged, actor: .manager(actor), at: now, company: actor.companyId, target: target.id,
                       before: before, after: Self.detailFields(displayName: target.displayName, email: target.email))
            log.changed(.account(target.accountId))
            return target
        }
    }

    /// Changes the caller's own display name or email: their account's and every registration's
    /// (the companies see the person as the person says). An email change needs the current
    /// password (`verifiedPasswordHash`, checked unchanged in the transaction).
    package func updateMyDetails(caller: SessionActor, displayName: String?, email: String?, verifiedPasswordHash: String?, now: Date) async throws -> AccountRecord {
        try await write { tx, log in
            _ = try Self.liveActor(tx, caller, now: now)
            guard var account = try AccountRecord.fetchOne(tx, key: caller.accountID) else { throw StoreError(.unauthenticated, "the session has ended") }
            if email != nil {
                guard let verifiedPasswordHash, account.passwordHash == verifiedPasswordHash, !account.isLocked(at: now) else {
                    throw StoreError(.failedPrecondition, "the password changed or the account was locked meanwhile; try again", field: "currentPassword")
                }
            }
            let before = Self.detailFields(displayName: account.displayName, email: account.email)
            account.displayName = displayName ?? account.displayName
            account.email = email ?? account.email
            account.updatedAt = now
            try account.update(tx)
            for var membership in try MembershipRecord.fetchAll(tx, where: "accountId = ? AND status != 'revoked'", [.text(account.id)]) {
                membership.displayName = account.displayName
                membership.email = account.email
                membership.searchText = SearchText.key(account.username, account.displayName, account.email)
                membership.updatedAt = now
                try membership.update(tx)
                log.record(.detailsChanged, actor: .account(account.id), at: now, company: membership.companyId, target: membership.id,
                           account: account.id, before: before, after: Self.detailFields(displayName: account.displayName, email: account.email))
            }
            log.changed(.account(account.id))
            return account
        }
    }

    /// Corrects the legal representative's data in place (the desk): the company's record, the
    /// representative's registration and, unless it serves another company, their account. Same
    /// username, same sessions.
    package func updateLegalRepresentative(companyID: String, fullName: String?, email: String?, fiscalCode: FiscalCode?, reason: String,
                                           actor: AuditActor, now: Date) async throws -> CompanyWithLines {
        try await write { tx, log in
            guard var company = try CompanyRecord.fetchOne(tx, key: companyID) else {
                throw StoreError(.notFound, "no company \(companyID.prefix(64))", field: "companyId")
            }
            let before = ["fullName": company.legalRepFullName, "email": company.legalRepEmail, "fiscalCode": company.legalRepFiscalCode]
            company.legalRepFullName = fullName ?? company.legalRepFullName
            company.legalRepEmail = email ?? company.legalRepEmail
            company.legalRepFiscalCode = fiscalCode?.value ?? company.legalRepFiscalCode
            company.updatedAt = now
            try company.update(tx)
            if var rep = try RegistrationRecord.fetchOne(tx, id: company.legalRepRegistrationId), rep.status != .revoked {
                rep.membership.displayName = company.legalRepFullName
                rep.membership.email = company.legalRepEmail
                rep.membership.searchText = SearchText.key(rep.username, rep.membership.displayName, rep.membership.email)
                rep.membership.updatedAt = now
                try rep.membership.update(tx)
                let shared = try tx.exists("SELECT 1 FROM membership WHERE accountId = ? AND id != ? AND status != 'revoked'",
                                           [.text(rep.accountId), .text(rep.id)])
                if !shared { rep.account.displayName = company.legalRepFullName }
                if !shared { rep.account.email = company.legalRepEmail }
                rep.account.fiscalCode = company.legalRepFiscalCode
                rep.account.updatedAt = now
                try rep.account.update(tx)
                log.changed(.account(rep.accountId))
            }
            log.record(.legalRepresentativeUpdated, actor: actor, at: now, company: companyID, target: company.legalRepRegistrationId, before: before,
                       after: ["fullName": company.legalRepFullName, "email": company.legalRepEmail, "fiscalCode": company.legalRepFiscalCode,
                               "reason": reason])
            log.changed(.company(companyID))
            return CompanyWithLines(company: company, lines: try Self.lines(tx, companyID))
        }
    }

    /// Sets the referent types a company's contract names (empty: any referent again).
    /// Registrations that hold a referent not in the list keep it until changed.
    package func setReferentTypes(companyID: String, referentTypes: [String], actor: AuditActor, now: Date) async throws -> CompanyWithLines {
        try await write { tx, log in
            guard var company = try CompanyRecord.fetchOne(tx, key: companyID) else {
                throw StoreError(.notFound, "no company \(companyID.prefix(64))", field: "companyId")
            }
            let before = company.referentTypeList
            company.referentTypeList = referentTypes.isEmpty ? nil : referentTypes
            company.updatedAt = now
            try company.update(tx)
            log.record(.referentTypesChanged, actor: actor, at: now, company: companyID, target: nil,
                       before: ["referentTypes": before?.joined(separator: ", ") ?? ""],
                       after: ["referentTypes": referentTypes.joined(separator: ", ")])
            log.changed(.company(companyID))
            return CompanyWithLines(company: company, lines: try Self.lines(tx, companyID))
        }
    }

    static func detailFields(displayName: String, email: String) -> [String: String] {
        ["displayName": displayName, "email": email]
    }
}
