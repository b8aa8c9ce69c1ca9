import Foundation
import WebProfilesDomain

extension ProfileStore {
    /// Creates a company and its legal representative's registration (pending activation, or an
    /// invitation when the username is an existing person's).
    package func createCompany(name: String, vatNumber: VATNumber, legalRepresentative rep: LegalRepresentativeInput,
                               activation: ActivationSecret, actor: AuditActor, now: Date) async throws -> (CompanyWithLines, RegistrationRecord) {
        try await write { tx, log in
            if try tx.exists("SELECT 1 FROM company WHERE vatNumber = ?", [.text(vatNumber.value)]) {
                throw StoreError(.alreadyExists, "a company with this VAT number exists", field: "vatNumber")
            }
            let companyID = Self.newID()
            let membershipID = Self.newID()
            let company = CompanyRecord(
                id: companyID, name: name, vatNumber: vatNumber.value, legalRepFullName: rep.fullName,
                legalRepFiscalCode: rep.fiscalCode.value, legalRepEmail: rep.email, legalRepRegistrationId: membershipID,
                searchText: SearchText.key(name), createdAt: now, updatedAt: now
            )
            try company.insert(tx)
            let registration = try Self.enroll(tx, id: membershipID, username: rep.username, displayName: rep.fullName, email: rep.email,
                                               fiscalCode: rep.fiscalCode.value, companyID: companyID, profile: .legalRepresentative,
                                               line: nil, referent: nil, activation: activation, now: now)
            log.record(.companyCreated, actor: actor, at: now, company: companyID, target: nil,
                       after: ["name": name, "vatNumber": vatNumber.value, "legalRepresentative": rep.fullName])
            log.record(.registered, actor: actor, at: now, company: companyID, target: registration.id, after: Self.auditFields(registration))
            log.changed(.account(registration.accountId))
            return (CompanyWithLines(company: company, lines: []), registration)
        }
    }

    /// Replaces a company's legal representative: the previous one's registration is revoked
    /// (its sessions lose the company) and a new registration is made, pending activation.
    package func changeLegalRepresentative(companyID: String, legalRepresentative rep: LegalRepresentativeInput, reason: String,
                                           activation: ActivationSecret, actor: AuditActor, now: Date)
        async throws -> (company: CompanyWithLines, registration: RegistrationRecord, previous: RegistrationRecord?, endedSessions: [SessionRecord])
    {
        try await write { tx, log in
            guard var company = try CompanyRecord.fetchOne(tx, key: companyID) else {
                throw StoreError(.notFound, "no company \(companyID.prefix(64))", field: "companyId")
            }
            var previous = try RegistrationRecord.fetchOne(tx, id: company.legalRepRegistrationId)
            var ended: [SessionRecord] = []
            if var old = previous, old.status != .revoked {
                let before = Self.auditFields(old)
                old.membership.status = .revoked
                old.membership.activationCodeHash = nil
                old.membership.activationExpiresAt = nil
                old.membership.updatedAt = now
                try old.membership.update(tx)
                ended = try Self.endSessionsLosingTheirLastMembership(tx, accountID: old.accountId, log: &log)
                log.record(.revoked, actor: actor, at: now, company: companyID, target: old.id, before: before,
                           after: Self.auditFields(old).merging(["reason": reason, "sessionsEnded": String(ended.count)]) { $1 })
                log.changed(.account(old.accountId))
                previous = old
            }
            let registration = try Self.enroll(tx, id: Self.newID(), username: rep.username, displayName: rep.fullName, email: rep.email,
                                               fiscalCode: rep.fiscalCode.value, companyID: companyID, profile: .legalRepresentative,
                                               line: nil, referent: nil, activation: activation, now: now)
            let before = ["fullName": company.legalRepFullName, "fiscalCode": company.legalRepFiscalCode, "registrationId": company.legalRepRegistrationId]
            company.legalRepFullName = rep.fullName
            company.legalRepFiscalCode = rep.fiscalCode.value
            company.legalRepEmail = rep.email
            company.legalRepRegistrationId = registration.id
            company.updatedAt = now
            try company.update(tx)
            log.record(.legalRepresentativeChanged, actor: actor, at: now, company: companyID, target: registration.id, before: before,
                       after: ["fullName": rep.fullName, "fiscalCode": rep.fiscalCode.value, "registrationId": registration.id, "reason": reason])
            log.record(.registered, actor: actor, at: now, company: companyID, target: registration.id, after: Self.auditFields(registration))
            log.changed(.account(registration.accountId))
            log.changed(.company(companyID))
            return (CompanyWithLines(company: company, lines: try Self.lines(tx, companyID)), registration, previous, ended)
        }
    }

    /// Adds lines to a company. A number that already belongs to a company is refused.
    package func addLines(companyID: String, lines: [MSISDN], actor: AuditActor, now: Date) async throws -> CompanyWithLines {
        try await write { tx, log in
            guard let company = try CompanyRecord.fetchOne(tx, key: companyID) else {
                throw StoreError(.notFound, "no company \(companyID.prefix(64))", field: "companyId")
            }
            for (index, line) in lines.enumerated() {
                if try LineRecord.fetchOne(tx, key: line.value) != nil {
                    throw StoreError(.alreadyExists, "\(line.value) already belongs to a company", field: "lines[\(index)].msisdn")
                }
                try LineRecord(msisdn: line.value, companyId: companyID, kind: line.kind).insert(tx)
            }
            log.record(.linesChanged, actor: actor, at: now, company: companyID, target: nil, after: ["added": lines.map(\.value).joined(separator: ",")])
            log.changed(.company(companyID))
            return CompanyWithLines(company: company, lines: try Self.lines(tx, companyID))
        }
    }

    /// Removes a line; refused while a live registration holds it.
    package func removeLine(companyID: String, msisdn: MSISDN, actor: AuditActor, now: Date) async throws -> CompanyWithLines {
        try await write { tx, log in
            guard let company = try CompanyRecord.fetchOne(tx, key: companyID) else {
                throw StoreError(.notFound, "no company \(companyID.prefix(64))", field: "companyId")
            }
            guard let line = try LineRecord.fetchOne(tx, key: msisdn.value), line.companyId == companyID else {
                throw StoreError(.notFound, "the company has no line \(msisdn.value)", field: "msisdn")
            }
            guard try !tx.exists("SELECT 1 FROM membership WHERE line = ? AND status != 'revoked'", [.text(msisdn.value)]) else {
                throw StoreError(.failedPrecondition, "a live registration holds \(msisdn.value); change or revoke it first", field: "msisdn")
            }
            // Revoked registrations keep no claim on the number.
            try tx.execute("UPDATE membership SET line = NULL WHERE line = ?", [.text(msisdn.value)])
            try line.delete(tx)
            log.record(.linesChanged, actor: actor, at: now, company: companyID, target: nil, before: ["removed": msisdn.value])
            log.changed(.company(companyID))
            return CompanyWithLines(company: company, lines: try Self.lines(tx, companyID))
        }
    }

    package func company(id: String) async throws -> CompanyWithLines? {
        try await read { tx in
            guard let company = try CompanyRecord.fetchOne(tx, key: id) else { return nil }
            return CompanyWithLines(company: company, lines: try Self.lines(tx, id))
        }
    }

    /// The kinds of a company's lines, by number.
    package func lineKinds(companyID: String) async throws -> [String: LineKind] {
        try await read { tx in
            Dictionary(uniqueKeysWithValues: try Self.lines(tx, companyID).map { ($0.msisdn, $0.kind) })
        }
    }

    /// Companies ordered by VAT number, after the one given.
    package func listCompanies(pageSize: Int, after: String?) async throws -> Page<CompanyWithLines> {
        try await read { tx in
            let rows = try CompanyRecord.fetchAll(tx, where: after == nil ? "1 = 1" : "vatNumber > ?", after.map { [.text($0)] } ?? [],
                                                  orderBy: "vatNumber", limit: pageSize + 1)
            let items = try rows.prefix(pageSize).map { CompanyWithLines(company: $0, lines: try Self.lines(tx, $0.id)) }
            return Page(items: items, nextAfter: rows.count > pageSize ? items.last?.company.vatNumber : nil)
        }
    }

    static func lines(_ tx: some StoreTransaction, _ companyID: String) throws -> [LineRecord] {
        try LineRecord.fetchAll(tx, where: "companyId = ?", [.text(companyID)], orderBy: "msisdn")
    }

    /// The fields of a registration an audit event shows (never secrets).
    static func auditFields(_ r: RegistrationRecord) -> [String: String] {
        var fields = ["username": r.username, "displayName": r.displayName, "email": r.email, "profile": r.profile.rawValue, "status": r.status.rawValue]
        if let line = r.line { fields["line"] = line }
        if let referent = r.referent { fields["referent"] = referent }
        return fields
    }
}
