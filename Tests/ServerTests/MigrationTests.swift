import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// A database written by the last release (7d06c0f: one registration per username, one company
/// per registration), upgraded by this daemon: every registration becomes an account with one
/// membership, and passwords, live sessions, ids and the audit history keep working.
@Suite("Migration from the last release")
struct MigrationTests {
    struct Fixture: Decodable {
        var companyId: String
        var repRegistrationId: String
        var repToken: String
        var repPassword: String
        var annaRegistrationId: String
        var annaToken: String
        var annaPassword: String
        var createdAt: TimeInterval
    }

    static func fixture() throws -> (URL, Fixture) {
        let database = try #require(Bundle.module.url(forResource: "release-7d06c0f", withExtension: "sqlite", subdirectory: "Fixtures"))
        let json = try #require(Bundle.module.url(forResource: "release-7d06c0f", withExtension: "json", subdirectory: "Fixtures"))
        return (database, try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: json)))
    }

    @Test func aReleaseDatabaseUpgradesWithPasswordsSessionsIdsAndHistory() async throws {
        let (database, fixture) = try Self.fixture()
        // The clock a minute after the release's daemon wrote the file: its sessions are live.
        let daemon = try await InProcessDaemon(database: database, clock: ManualClock(Date(timeIntervalSince1970: fixture.createdAt + 60)))
        // The old session tokens work, as the same registrations of the same company.
        let rep = daemon.apiClient(token: fixture.repToken)
        let whoami = try await rep.whoami()
        #expect(whoami.principal.registrationId == fixture.repRegistrationId && whoami.principal.companyId == fixture.companyId)
        #expect(whoami.principal.profile == .legalRepresentative && whoami.memberships?.count == 1)
        let anna = daemon.apiClient(token: fixture.annaToken)
        #expect(try await anna.authorize(.lineManage, line: "+393331234567").allowed)
        // The old passwords log in.
        let login = try await daemon.apiClient().login(username: "mario.rossi", password: fixture.repPassword)
        #expect(login.principal?.registrationId == fixture.repRegistrationId && login.memberships.map(\.companyId) == [fixture.companyId])
        _ = try await daemon.apiClient().login(username: "anna.bianchi", password: fixture.annaPassword)
        // The history is there, under the same ids, and the new listing search works on old rows.
        let op = daemon.operatorClient()
        let events = try await op.listAuditEvents(ListAuditEventsRequest(companyId: fixture.companyId, pageSize: 500)).events
        #expect(events.filter { ["companyCreated", "registered", "activated", "login", "linesChanged"].contains($0.action) }.count >= 8)
        #expect(events.contains { $0.action == "registered" && $0.targetRegistrationId == fixture.annaRegistrationId })
        let found = try await rep.listRegistrations(ListRegistrationsRequest(query: "BIANCHI"))
        #expect(found.registrations.map(\.registrationId) == [fixture.annaRegistrationId])
        // Management goes on: the representative narrows Anna's line away and she loses it at once.
        _ = try await rep.changeProfile(ChangeProfileRequest(registrationId: fixture.annaRegistrationId, profile: .user, line: "+393339876543"))
        #expect(try await anna.authorize(.lineManage, line: "+393331234567").allowed == false)
        // And the migrated account can be invited by a new company (one account, two companies).
        let second = try await op.createCompany(CreateCompanyRequest(name: "Bianchi S.p.A.", vatNumber: "12345678903", legalRepresentative: LegalRepresentativeRequest(
            fullName: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U", email: "mario@bianchi.example", username: "mario.rossi")))
        _ = try await rep.acceptInvitation(code: second.activationCode)
        #expect(try await rep.account().memberships.count == 2)
        try await daemon.stop()
    }
}
