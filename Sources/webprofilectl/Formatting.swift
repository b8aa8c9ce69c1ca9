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

    static func registrationTable(_ registrations: [Registration]) {
        Output.table(["ID", "USERNAME", "NAME", "PROFILE", "LINE", "STATUS"], registrations.map {
            [$0.registrationId, $0.username, $0.displayName, profile($0.profile), $0.line ?? "-", $0.status.rawValue + ($0.locked ? " (locked)" : "")]
        })
    }

    static func company(_ c: Company) {
        Output.fields([
            ("company", c.companyId), ("name", c.name), ("VAT number", c.vatNumber),
            ("legal representative", "\(c.legalRepresentative.fullName) (\(c.legalRepresentative.fiscalCode), \(c.legalRepresentative.email))"),
            ("legal rep. registration", c.legalRepresentative.registrationId),
            ("lines", c.lines.isEmpty ? "-" : c.lines.map { "\($0.msisdn) \($0.kind)" }.joined(separator: ", ")),
        ])
    }

    static func activation(_ code: String, expires: Date) -> [(String, String)] {
        [("activation code", code), ("code expires", date(expires))]
    }
}
