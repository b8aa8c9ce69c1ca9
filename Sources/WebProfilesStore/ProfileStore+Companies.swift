import Foundation
import GRDB
import WebProfilesDomain

extension ProfileStore {
    /// Creates a company and its legal representative's registration (pending activation).
    package func createCompany(name: String, vatNumber: VATNumber, legalRepresentative rep: LegalRepresentativeInput,
                              activation: ActivationSecret, actor: AuditActor, now: Date) async throws -> (CompanyWithLines, RegistrationRecord) {
        try await write { db, audit in
            if try CompanyRecord.filter(CompanyRecord.Columns.vatNumber == vatNumber.value).fetchCount(db) > 0 {
                throw StoreError(.alreadyExists, "a company with this VAT number exists", field: "vatNumber")
            }
            try Self.checkUsernameFree(db, rep.username, field: "legalRepresentative.username")
            let companyID = Self.newID()
            let registration = RegistrationRecord(
                id: Self.newID(), companyId: companyID, username: rep.username.value, displayName: rep.fullName,
                email: rep.email, profile: .legalRepresentative, referent: nil, line: nil, status: .pendingActivation,
                passwordHash: nil, activationCodeHash: activation.codeHash, activationExpiresAt: activation.expiresAt,
                failedAttempts: 0, lockedUntil: nil, createdAt: now, updatedAt: now, lastLoginAt: nil
            )
            let company = CompanyRecord(
                id: companyID, name: name, vatNumber: vatNumber.value, legalRepFullName: rep.fullName,
                legalRepFiscalCode: rep.fiscalCode.value, legalRepEmail: rep.email,
                legalRepRegistrationId: registration.id, createdAt: now, updatedAt: now
            )
            try company.insert(db)
            try registration.insert(db)
            audit.record(.companyCreated, actor: actor, at: now, company: companyID, target: nil,
                         after: ["name": name, "vatNumber": vatNumber.value, "legalRepresentative": rep.fullName])
            audit.record(.registered, actor: actor, at: now, company: companyID, target: registration.id,
                         after: Self.auditFields(registration))
            return (CompanyWithLines(company: company, lines: []), registration)
        }
    }

    /// Replaces a company's legal representative: the previous one's registration is revoked
    /// (its sessions end) and a new registration is created, pending activation.
    package func changeLegalRepresentative(companyID: String, legalRepresentative rep: LegalRepresentativeInput, reason: String,
                                          activation: ActivationSecret, actor: AuditActor, now: Date)
        async throws -> (company: CompanyWithLines, registration: RegistrationRecord, previous: RegistrationRecord?, endedSessions: [SessionRecord])
    {
        try await write { db, audit in
            guard var company = try CompanyRecord.fetchOne(db, key: companyID) else {
                throw StoreError(.notFound, "no company \(companyID.prefix(64))", field: "companyId")
            }
            try Self.checkUsernameFree(db, rep.username, field: "legalRepresentative.username")
            var previous = try RegistrationRecord.fetchOne(db, key: company.legalRepRegistrationId)
            var ended: [SessionRecord] = []
            if var old = previous, old.status != .revoked {
                let before = Self.auditFields(old)
                old.status = .revoked
                old.activationCodeHash = nil
                old.activationExpiresAt = nil
                old.updatedAt = now
                try old.update(db)
                ended = try Self.deleteSessions(db, registrationID: old.id)
                audit.record(.revoked, actor: actor, at: now, company: companyID, target: old.id, before: before,
                             after: Self.auditFields(old).merging(["reason": reason, "sessionsEnded": String(ended.count)]) { $1 })
                previous = old
            }
            let registration = RegistrationRecord(
                id: Self.newID(), companyId: companyID, username: rep.username.value, displayName: rep.fullName,
                email: rep.email, profile: .legalRepresentative, referent: nil, line: nil, status: .pendingActivation,
                passwordHash: nil, activationCodeHash: activation.codeHash, activationExpiresAt: activation.expiresAt,
                failedAttempts: 0, lockedUntil: nil, createdAt: now, updatedAt: now, lastLoginAt: nil
            )
            try registration.insert(db)
            let before = ["fullName": company.legalRepFullName, "fiscalCode": company.legalRepFiscalCode, "registrationId": company.legalRepRegistrationId]
            company.legalRepFullName = rep.fullName
            company.legalRepFiscalCode = rep.fiscalCode.value
            company.legalRepEmail = rep.email
            company.legalRepRegistrationId = registration.id
            company.updatedAt = now
            try company.update(db)
            audit.record(.legalRepresentativeChanged, actor: actor, at: now, company: companyID, target: registration.id, before: before,
                         after: ["fullName": rep.fullName, "fiscalCode": rep.fiscalCode.value, "registrationId": registration.id, "reason": reason])
            audit.record(.registered, actor: actor, at: now, company: companyID, target: registration.id, after: Self.auditFields(registration))
            return (CompanyWithLines(company: company, lines: try Self.lines(db, companyID)), registration, previous, ended)
        }
    }

    /// Adds lines to a company. A number that already belongs to a company is refused.
    package func addLines(companyID: String, lines: [MSISDN], actor: AuditActor, now: Date) async throws -> CompanyWithLines {
        try await write { db, audit in
            guard let company = try CompanyRecord.fetchOne(db, key: companyID) else {
                throw StoreError(.notFound, "no company \(companyID.prefix(64))", field: "companyId")
            }
            for (index, line) in lines.enumerated() {
                if try LineRecord.fetchOne(db, key: line.value) != nil {
                    throw StoreError(.alreadyExists, "\(line.value) already belongs to a company", field: "lines[\(index)].msisdn")
                }
                try LineRecord(msisdn: line.value, companyId: companyID, kind: line.kind).insert(db)
            }
            audit.record(.linesChanged, actor: actor, at: now, company: companyID, target: nil,
                         after: ["added": lines.map(\.value).joined(separator: ",")])
            return CompanyWithLines(company: company, lines: try Self.lines(db, companyID))
        }
    }

    /// Removes a line; refused while a live registration holds it.
    package func removeLine(companyID: String, msisdn: MSISDN, actor: AuditActor, now: Date) async throws -> CompanyWithLines {
        try await write { db, audit in
            guard let company = try CompanyRecord.fetchOne(db, key: companyID) else {
                throw StoreError(.notFound, "no company \(companyID.prefix(64))", field: "companyId")
            }
            guard let line = try LineRecord.fetchOne(db, key: msisdn.value), line.companyId == companyID else {
                throw StoreError(.notFound, "the company has no line \(msisdn.value)", field: "msisdn")
            }
            let holders = try RegistrationRecord
                .filter(RegistrationRecord.Columns.line == msisdn.value && RegistrationRecord.Columns.status != RegistrationStatus.revoked.rawValue)
                .fetchCount(db)
            guard holders == 0 else {
                throw StoreError(.failedPrecondition, "a live registration holds \(msisdn.value); change or revoke it first", field: "msisdn")
            }
            // Revoked registrations keep no claim on the number.
            try db.execute(sql: "UPDATE registration SET line = NULL WHERE line = ?", arguments: [msisdn.value])
            try line.delete(db)
            audit.record(.linesChanged, actor: actor, at: now, company: companyID, target: nil, before: ["removed": msisdn.value])
            return CompanyWithLines(company: company, lines: try Self.lines(db, companyID))
        }
    }

    package func company(id: String) async throws -> CompanyWithLines? {
        try await read { db in
            guard let company = try CompanyRecord.fetchOne(db, key: id) else { return nil }
            return CompanyWithLines(company: company, lines: try Self.lines(db, id))
        }
    }

    /// The kind of `msisdn` if it is a line of `companyID`.
    package func lineKinds(companyID: String) async throws -> [String: LineKind] {
        try await read { db in
            Dictionary(uniqueKeysWithValues: try Self.lines(db, companyID).map { ($0.msisdn, $0.kind) })
        }
    }

    /// Companies ordered by VAT number, after the one given.
    package func listCompanies(pageSize: Int, after: String?) async throws -> Page<CompanyWithLines> {
        try await read { db in
            var request = CompanyRecord.order(CompanyRecord.Columns.vatNumber)
            if let after { request = request.filter(CompanyRecord.Columns.vatNumber > after) }
            let rows = try request.limit(pageSize + 1).fetchAll(db)
            let items = try rows.prefix(pageSize).map { CompanyWithLines(company: $0, lines: try Self.lines(db, $0.id)) }
            return Page(items: items, nextAfter: rows.count > pageSize ? items.last?.company.vatNumber : nil)
        }
    }

    static func lines(_ db: Database, _ companyID: String) throws -> [LineRecord] {
        try LineRecord.filter(LineRecord.Columns.companyId == companyID).order(LineRecord.Columns.msisdn).fetchAll(db)
    }

    static func checkUsernameFree(_ db: Database, _ username: Username, field: String) throws {
        if try RegistrationRecord.filter(RegistrationRecord.Columns.username == username.value).fetchCount(db) > 0 {
            throw StoreError(.alreadyExists, "the username is taken", field: field)
        }
    }

    /// The fields of a registration an audit event shows (never secrets).
    static func auditFields(_ r: RegistrationRecord) -> [String: String] {
        var fields = ["username": r.username, "profile": r.profile.rawValue, "status": r.status.rawValue]
        if let line = r.line { fields["line"] = line }
        if let referent = r.referent { fields["referent"] = referent }
        return fields
    }
}
