import Foundation

/// What a seeding run produced: printed as JSON (`--json`, for the benchmark script) or as
/// `key: value` lines.
struct SeedResult: Codable, Sendable {
    /// One registration the benchmark can use: its live session token for `Session/Authorize`
    /// (`permission` on `line` is allowed for it) and its username and password for `Session/Login`;
    /// and the live session of a legal representative or adminFull (`users.view`, for
    /// `Profiles/ListRegistrations`), when one was seeded.
    struct Sample: Codable, Sendable {
        /// Absent when no session was seeded.
        var token: String?
        var registrationId: String
        var companyId: String
        var username: String
        var profile: String
        var permission: String
        var line: String
        var password: String
        var adminToken: String?
        var adminRegistrationId: String?
        var adminUsername: String?
        var adminProfile: String?
    }

    var database: String
    var companies: Int
    var lines: Int
    var registrations: Int
    var activeRegistrations: Int
    var pendingRegistrations: Int
    var revokedRegistrations: Int
    /// Registrations per profile.
    var profiles: [String: Int]
    var sessions: Int
    /// Wall time of the whole run, password hashing included.
    var seconds: Double
    /// Wall time per phase (companies, lines, registrations, sessions).
    var phaseSeconds: [String: Double]
    /// Size of the database file once checkpointed and closed.
    var databaseBytes: Int64
    var sample: Sample

    /// Pretty JSON with sorted keys.
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// `key: value` lines for people.
    var text: String {
        let profileList = profiles.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let phases = phaseSeconds.sorted { $0.key < $1.key }.map { "\($0.key) \(SeedProgress.fixed($0.value, 1)) s" }.joined(separator: ", ")
        return [
            "database: \(database)",
            "companies: \(companies)",
            "lines: \(lines)",
            "registrations: \(registrations) (active \(activeRegistrations), pending \(pendingRegistrations), revoked \(revokedRegistrations))",
            "profiles: \(profileList)",
            "sessions: \(sessions)",
            "seconds: \(SeedProgress.fixed(seconds, 1)) (\(phases))",
            "databaseBytes: \(databaseBytes)",
            "sample.token: \(sample.token ?? "-")",
            "sample.registrationId: \(sample.registrationId)",
            "sample.companyId: \(sample.companyId)",
            "sample.username: \(sample.username)",
            "sample.profile: \(sample.profile)",
            "sample.permission: \(sample.permission)",
            "sample.line: \(sample.line)",
            "sample.password: \(sample.password)",
            "sample.adminToken: \(sample.adminToken ?? "-")",
            "sample.adminRegistrationId: \(sample.adminRegistrationId ?? "-")",
            "sample.adminUsername: \(sample.adminUsername ?? "-")",
            "sample.adminProfile: \(sample.adminProfile ?? "-")",
        ].joined(separator: "\n")
    }
}
