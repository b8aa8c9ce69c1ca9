import Foundation
import Testing
import CBOR
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// Profile management and authorization through the real daemon binary.
@Suite("Profile management (end to end)", .serialized)
struct ProfileManagementTests {
    @Test func profileChangesApplyToExistingSessionsAtOnce() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (annaID, anna) = try await f.person(daemon, "anna.bianchi", .adminLight)
        #expect(try await anna.call(SessionAPI.authorize, AuthorizeRequest(permission: .invoicesView)).allowed)
        _ = try await f.rep.call(ProfilesAPI.changeProfile, ChangeProfileRequest(registrationId: annaID, profile: .user, line: "+393331234567"))
        #expect(try await anna.call(SessionAPI.authorize, AuthorizeRequest(permission: .invoicesView)).allowed == false)
        _ = try await f.rep.call(ProfilesAPI.changeProfile, ChangeProfileRequest(registrationId: annaID, profile: .adminFull))
        let widened = try await anna.call(SessionAPI.authorize, AuthorizeRequest(permission: .usersManage))
        #expect(widened.allowed && widened.principal.profile == .adminFull && widened.principal.line == nil)
    }

    @Test func revocationEndsEverySession() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (annaID, anna) = try await f.person(daemon, "anna.bianchi", .adminFull)
        let second = try await daemon.apiClient().call(SessionAPI.login, LoginRequest(username: "anna.bianchi", password: Fixture.password))
        let revoked = try await f.rep.call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: annaID, reason: "left"))
        #expect(revoked.registration.status == .revoked)
        #expect(await statusOf { try await anna.call(SessionAPI.whoami, WhoamiRequest()) } == .unauthenticated)
        #expect(await statusOf { try await daemon.apiClient(token: second.sessionToken).call(SessionAPI.whoami, WhoamiRequest()) } == .unauthenticated)
        // Restore gives a new activation code; the person sets a new password.
        let restored = try await f.rep.call(ProfilesAPI.restoreCredentials, RestoreCredentialsRequest(registrationId: annaID))
        #expect(restored.registration.status == .pendingActivation)
        #expect(await statusOf { try await daemon.apiClient().call(SessionAPI.login, LoginRequest(username: "anna.bianchi", password: Fixture.password)) } == .unauthenticated)
        _ = try await daemon.apiClient().call(SessionAPI.activate, ActivateRequest(activationCode: restored.activationCode, password: "Another-Password-1"))
        _ = try await daemon.apiClient().call(SessionAPI.login, LoginRequest(username: "anna.bianchi", password: "Another-Password-1"))
    }

    @Test func whoManagesWhom() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (fullID, full) = try await f.person(daemon, "admin.full", .adminFull)
        let (lightID, light) = try await f.person(daemon, "admin.light", .adminLight, by: full)
        let (_, user) = try await f.person(daemon, "device.user", .deviceUser, line: "+393331234567", by: full)
        // adminFull: below itself only.
        #expect(await statusOf { try await full.call(ProfilesAPI.registerUser, RegisterUserRequest(username: "full.two", displayName: "F", email: "f@r.example", profile: .adminFull)) } == .permissionDenied)
        #expect(await statusOf { try await full.call(ProfilesAPI.changeProfile, ChangeProfileRequest(registrationId: lightID, profile: .adminFull)) } == .permissionDenied)
        #expect(await statusOf { try await full.call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: f.repID)) } == .permissionDenied)
        #expect(await statusOf { try await full.call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: fullID)) } == .permissionDenied)
        // Nobody below adminFull manages; users.view too is refused.
        #expect(await statusOf { try await light.call(ProfilesAPI.listRegistrations, ListRegistrationsRequest()) } == .permissionDenied)
        #expect(await statusOf { try await user.call(ProfilesAPI.getCompany, GetOwnCompanyRequest()) } == .permissionDenied)
        // The legal representative cannot create another one or change itself.
        #expect(await statusOf { try await f.rep.call(ProfilesAPI.registerUser, RegisterUserRequest(username: "rep.two", displayName: "R", email: "r@r.example", profile: .legalRepresentative)) } == .permissionDenied)
        #expect(await statusOf { try await f.rep.call(ProfilesAPI.changeProfile, ChangeProfileRequest(registrationId: f.repID, profile: .adminFull)) } == .permissionDenied)
        // Input errors name their field.
        do {
            _ = try await f.rep.call(ProfilesAPI.registerUser, RegisterUserRequest(username: "x y", displayName: "X", email: "x@r.example", profile: .user))
            Issue.record("accepted")
        } catch let error as RPCError {
            #expect(error.code == .invalidArgument)
            #expect(error.details?["field"] == .text("username"))
        }
        #expect(await statusOf { try await f.rep.call(ProfilesAPI.registerUser, RegisterUserRequest(username: "admin.full", displayName: "X", email: "x@r.example", profile: .user, line: "+393339876543")) } == .alreadyExists)
        #expect(await statusOf { try await f.rep.call(ProfilesAPI.getRegistration, GetRegistrationRequest(registrationId: "nope")) } == .notFound)
    }

    @Test func authorizeNeverRevealsForeignLines() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let other = try await Fixture.make(daemon, vat: "12345678903", rep: "luigi.verdi", lines: ["+393300000001"])
        let (_, user) = try await f.person(daemon, "device.user", .deviceUser, line: "+393331234567")
        let foreign = try await f.rep.call(SessionAPI.authorize, AuthorizeRequest(permission: .lineManage, line: "+393300000001"))
        let nowhere = try await f.rep.call(SessionAPI.authorize, AuthorizeRequest(permission: .lineManage, line: "+393300000999"))
        #expect(!foreign.allowed && !nowhere.allowed && foreign.reason == nowhere.reason)
        #expect(try await f.rep.call(SessionAPI.authorize, AuthorizeRequest(permission: .lineManage, line: "+390612345678")).allowed)
        #expect(try await user.call(SessionAPI.authorize, AuthorizeRequest(permission: .linePremiumServices, line: "+39 333 123 4567")).allowed)
        #expect(try await user.call(SessionAPI.authorize, AuthorizeRequest(permission: .linePremiumServices, line: "+393339876543")).allowed == false)
        #expect(await statusOf { try await user.call(SessionAPI.authorize, AuthorizeRequest(permission: .lineManage)) } == .invalidArgument)
        #expect(await statusOf { try await user.call(SessionAPI.authorize, AuthorizeRequest(permission: .lineManage, line: "garbage")) } == .invalidArgument)
        #expect(await statusOf { try await user.call(SessionAPI.authorize, AuthorizeRequest(permission: .invoicesView, line: "+393331234567")) } == .invalidArgument)
        _ = other
    }

    @Test func unknownPermissionIsInvalidArgument() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        // Sent as raw CBOR text: the typed client cannot express an unknown permission.
        let result = try daemon.ctl(["--token", f.repToken, "authorize", "invoices.delete"])
        #expect(result.status == 64)
    }

    @Test func operatorPlaneStaysOnItsSocket() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        #expect(await statusOf { try await f.rep.call(OperatorAPI.listCompanies, ListCompaniesRequest()) } == .permissionDenied)
        #expect(await statusOf { try await daemon.operatorClient().call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password)) } == .permissionDenied)
        #expect(await statusOf { try await daemon.apiClient().call(ProfilesAPI.getCompany, GetOwnCompanyRequest()) } == .unauthenticated)
        let op = daemon.operatorClient()
        let stats = try await op.call(OperatorAPI.stats, Empty())
        #expect(stats.companies == 1 && stats.registrations == 1 && stats.liveSessions == 1 && stats.connections >= 1)
        #expect(stats.cachedSessions == 1, "the login put its session in memory")
        // Lines: kinds are checked against the numbering plan; a held line cannot go.
        #expect(await statusOf { try await op.call(OperatorAPI.addLines, AddLinesRequest(companyId: f.companyID, lines: [Line(msisdn: "+393330000000", kind: .fixed)])) } == .invalidArgument)
        #expect(await statusOf { try await op.call(OperatorAPI.addLines, AddLinesRequest(companyId: f.companyID, lines: [Line(msisdn: "+393331234567", kind: .mobile)])) } == .alreadyExists)
        _ = try await f.person(daemon, "device.user", .deviceUser, line: "+393331234567")
        #expect(await statusOf { try await op.call(OperatorAPI.removeLine, RemoveLineRequest(companyId: f.companyID, msisdn: "+393331234567")) } == .failedPrecondition)
        let removed = try await op.call(OperatorAPI.removeLine, RemoveLineRequest(companyId: f.companyID, msisdn: "+393339876543"))
        #expect(removed.company.lines.count == 2)
        // Replacing the legal representative revokes the previous one and ends its sessions.
        let changed = try await op.call(OperatorAPI.changeLegalRepresentative, ChangeLegalRepresentativeRequest(companyId: f.companyID,
            legalRepresentative: LegalRepresentativeRequest(fullName: "Giulia Neri", fiscalCode: "RSSMRA80A01H501U", email: "g@n.example", username: "giulia.neri"), reason: "new director"))
        #expect(changed.company.legalRepresentative.fullName == "Giulia Neri")
        #expect(await statusOf { try await f.rep.call(SessionAPI.whoami, WhoamiRequest()) } == .unauthenticated)
        let companies = try await op.call(OperatorAPI.listCompanies, ListCompaniesRequest(pageSize: 1))
        #expect(companies.companies.count == 1 && companies.nextPageToken == nil)
        #expect(await statusOf { try await op.call(OperatorAPI.listCompanies, ListCompaniesRequest(pageToken: "!!")) } == .invalidArgument)
    }

    @Test func cliExitCodes() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        #expect(try daemon.ctl(["--token", f.repToken, "authorize", "invoices.view"]).status == 0)
        let (_, user) = try await f.person(daemon, "plain.user", .user, line: "+393331234567")
        #expect(try daemon.ctl(["--token", user.sessionToken!, "authorize", "invoices.view"]).status == 3)
        #expect(try daemon.ctl(["--token", "wps_invalid", "whoami"]).status == 77)
        #expect(try daemon.ctl(["whoami"], environment: ["WEBPROFILES_TOKEN": ""]).status == 64)
        #expect(try DaemonProcess.run(DaemonProcess.ctlBinary, ["--socket", "/nonexistent/x.sock", "health"]).status == 69)
        #expect(try daemon.ctl(["users", "register", "x", "--display-name", "X", "--email", "x@y.example", "--profile", "bogus"]).status == 64)
        // login --save, then commands use the saved token; logout forgets it.
        #expect(try daemon.ctl(["login", "mario.rossi", "--password-stdin", "--save"], stdin: Fixture.password + "\n").status == 0)
        let whoami = try daemon.ctl(["whoami", "--field", "principal.username"])
        #expect(whoami.out == "mario.rossi\n")
        let mode = try FileManager.default.attributesOfItem(atPath: daemon.stateDirectory + "/webprofilectl/session")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try daemon.ctl(["logout"]).status == 0)
        #expect(try daemon.ctl(["whoami"]).status == 64)
        let json = try daemon.ctl(["--json", "health"])
        #expect(json.status == 0 && json.out.contains("\"status\" : \"serving\""))
        // The load tools run and report what they measured.
        let bench = try daemon.ctl(["--token", f.repToken, "bench", "authorize", "--permission", "line.manage", "--line", "+393331234567",
                                    "--connections", "2", "--inflight", "2", "--duration", "0.3", "--warmup", "0", "--field", "calls"])
        #expect(bench.status == 0 && (Int(bench.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "\(bench)")
        let logins = try daemon.ctl(["bench", "login", "--username", "mario.rossi", "--password-stdin", "--duration", "0.3", "--warmup", "0", "--field", "calls"],
                                    stdin: Fixture.password + "\n")
        #expect(logins.status == 0 && (Int(logins.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "\(logins)")
    }
}
