import Foundation
import WebProfilesAPI
import WebProfilesDomain

/// Human output of the API shapes.
enum Formatting {
    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        return ISO8601DateFormatter().string(from: date)
    }

    static func profile(_ profile: Profile) -> String { "\(profile.rawValue) (\(profile.italianName))" }

    static func principal(_ p: Principal) -> [(String, String)] {
        var rows = [
            ("registration", p.registrationId), ("username", p.username), ("name", p.displayName),
            ("company", "\(p.companyName) (\(p.companyId))"), ("profile", profile(p.profile)),
        ]
        if let referent = p.referent { rows.append(("referent", referent)) }
        if let line = p.line { rows.append(("line", line)) }
        rows.append(("permissions", p.permissions.map(\.rawValue).joined(separator: " ")))
        return rows
    }

    static func registration(_ r: Registration) -> [(String, String)] {
        var rows = [
            ("registration", r.registrationId), ("username", r.username), ("name", r.displayName), ("email", r.email),
            ("profile", profile(r.profile)), ("status", r.status.rawValue + (r.locked ? " (locked)" : "")),
        ]
        if let referent = r.referent { rows.append(("referent", referent)) }
        if let line = r.line { rows.append(("line", line)) }
        rows += [("company", r.companyId), ("created", date(r.createdAt)), ("updated", date(r.updatedAt)), ("last login", date(r.lastLoginAt))]
        return rows
    }

    static func registrationTable(_ registrations: [Registration], withCompany: Bool = false) {
        Output.table(["ID", "USERNAME", "NAME", "PROFILE", "LINE", "STATUS"] + (withCompany ? ["COMPANY"] : []), registrations.map {
            [$0.registrationId, $0.username, $0.displayName, profile($0.profile), $0.line ?? "-", $0.status.rawValue + ($0.locked ? " (locked)" : "")]
                + (withCompany ? [$0.companyId] : [])
        })
    }

    static func companyTable(_ companies: [Company]) {
        Output.table(["ID", "NAME", "VAT", "LEGAL REPRESENTATIVE", "LINES"], companies.map {
            [$0.companyId, $0.name, $0.vatNumber, $0.legalRepresentative.fullName, String($0.lines.count)]
        })
    }

    static func sessionTable(_ sessions: [SessionInfo]) {
        Output.table(["ID", "CREATED", "LAST SEEN", "EXPIRES", "FROM", "BROWSER", "CURRENT"], sessions.map {
            [$0.sessionId, date($0.createdAt), date($0.lastSeenAt), date($0.expiresAt), $0.clientAddress ?? "-", $0.userAgent ?? "-", $0.current ? "*" : ""]
        })
    }

    static func auditTable(_ events: [AuditEvent]) {
        func describe(_ fields: [String: String]?) -> String {
            fields.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") } ?? ""
        }
        func actor(_ e: AuditEvent) -> String {
            let desk = [e.agent.map { "agent \($0)" }, e.ticket.map { "ticket \($0)" }].compactMap { $0 }
            return desk.isEmpty ? e.actor : "\(e.actor) (\(desk.joined(separator: ", ")))"
        }
        Output.table(["ID", "AT", "ACTION", "ACTOR", "TARGET", "CHANGE"], events.map {
            [String($0.eventId), date($0.at), $0.action, actor($0), $0.targetRegistrationId ?? $0.targetAccountId.map { "account \($0)" } ?? "-",
             [describe($0.before), describe($0.after)].filter { !$0.isEmpty }.joined(separator: " -> ")]
        })
    }

    static func memberships(_ memberships: [Membership], acting: String?) -> [(String, String)] {
        memberships.map { m in
            ("company", "\(m.companyName) (\(m.companyId)) as \(profile(m.profile))" + (m.companyId == acting ? " *" : ""))
        }
    }

    static func requiredAction(_ action: String) -> String {
        action == "enrollSecondFactor" ? "enrol a second factor first: webprofilectl totp enroll" : action
    }

    static func account(_ a: Account) {
        Output.fields([("account", a.accountId), ("username", a.username), ("name", a.displayName), ("email", a.email),
                       ("second factor", a.secondFactor.enabled ? "on (\(a.secondFactor.recoveryCodesLeft) recovery codes left)" : a.secondFactor.required ? "off (required: enrol one)" : "off")]
                      + memberships(a.memberships, acting: nil))
    }

    static func delivery(_ d: RecoveryDelivery) -> [(String, String)] {
        [("deliver to", "\(d.displayName) <\(d.email)>"), ("for registration", d.registrationId), ("recovery code", d.recoveryCode),
         ("code expires", date(d.expiresAt))]
    }

    static func company(_ c: Company) {
        Output.fields([
            ("company", c.companyId), ("name", c.name), ("VAT number", c.vatNumber),
            ("legal representative", "\(c.legalRepresentative.fullName) (\(c.legalRepresentative.fiscalCode), \(c.legalRepresentative.email))"),
            ("legal rep. registration", c.legalRepresentative.registrationId),
            ("lines", c.lines.isEmpty ? "-" : c.lines.map { "\($0.msisdn) \($0.kind)" }.joined(separator: ", ")),
            ("referent types", c.referentTypes?.joined(separator: ", ") ?? "any"),
        ])
    }

    static func activation(_ code: String, expires: Date) -> [(String, String)] {
        [("activation code", code), ("code expires", date(expires))]
    }
}
