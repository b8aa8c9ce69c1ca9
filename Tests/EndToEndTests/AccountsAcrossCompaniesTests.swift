import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// One person, several companies, against the real daemon binary: invitations that tell the
/// inviting company nothing, company selection, and the boundaries between companies.
@Suite("Accounts across companies (end to end)", .serialized)
struct AccountsAcrossCompaniesTests {
    func error(_ body: () async throws -> some Any) async -> RPCError? {
        do { _ = try await body(); return nil } catch let error as RPCError { return error } catch { return RPCError(code: .unknown, message: "\(error)") }
    }

    /// Rossi's accountant Carla (adminFull), invited by Bianchi as adminFull too; logged in.
    struct Accountant {
        var rossi: Fixture
        var bianchi: Fixture
        var inRossi: String
        var inBianchi: String
        var carla: WebProfilesClient
    }

    func accountant(_ daemon: DaemonProcess) async throws -> Accountant {
        let rossi = try await Fixture.make(daemon)
        let bianchi = try await Fixture.make(daemon, vat: "12345678903", rep: "luigi.bianchi", lines: ["+393331111111"])
        let (inRossi, carla) = try await rossi.person(daemon, "studio.verdi", .adminFull)
        let invitation = try await bianchi.rep.registerUser(RegisterUserRequest(username: "studio.verdi", displayName: "Studio Verdi",
                                                                                email: "studio@verdi.example", profile: .adminFull))
        _ = try await carla.acceptInvitation(code: invitation.activationCode)
        return Accountant(rossi: rossi, bianchi: bianchi, inRossi: inRossi, inBianchi: invitation.registration.registrationId, carla: carla)
    }

    @Test func anInvitationLooksLikeANewPersonToTheInvitingCompany() async throws {
        let daemon = try DaemonProcess()
        let rossi = try await Fixture.make(daemon)
        let bianchi = try await Fixture.make(daemon, vat: "12345678903", rep: "luigi.bianchi", lines: [])
        _ = try await rossi.person(daemon, "studio.verdi", .adminFull)
        // Bianchi registers an existing username and a new one: the same shape, field for field.
        let invited = try await bianchi.rep.registerUser(RegisterUserRequest(username: "studio.verdi", displayName: "Studio Verdi", email: "s@verdi.example", profile: .adminFull))
        let fresh = try await bianchi.rep.registerUser(RegisterUserRequest(username: "someone.new", displayName: "New", email: "n@verdi.example", profile: .adminFull))
        for r in [invited, fresh] {
            #expect(r.registration.status == .pendingActivation && !r.registration.locked && r.registration.lastLoginAt == nil)
            #expect(r.activationCode.hasPrefix("wpa_") && r.registration.companyId == bianchi.companyID)
        }
        #expect(invited.registration.email == "s@verdi.example" && invited.registration.displayName == "Studio Verdi")
        // Timing: the same writes either way; measured, printed.
        func median(_ name: (Int) -> String) async throws -> Double {
            var times: [Double] = []
            for i in 0..<20 {
                let start = ContinuousClock.now
                _ = try? await bianchi.rep.registerUser(RegisterUserRequest(username: name(i), displayName: "T", email: "t@verdi.example", profile: .adminLight))
                times.append((ContinuousClock.now - start).timeInterval * 1000)
            }
            return times.sorted()[times.count / 2]
        }
        for i in 0..<20 { _ = try await rossi.rep.registerUser(RegisterUserRequest(username: "known.\(i)", displayName: "K", email: "k@rossi.example", profile: .adminLight)) }
        let existing = try await median { "known.\($0)" }
        let new = try await median { "unknown.\($0)" }
        print("RegisterUser median over 20 calls: existing username (invitation) \(String(format: "%.3f", existing)) ms, new username \(String(format: "%.3f", new)) ms")
        // The invitation's code is no activation code: the person accepts it logged in.
        let refused = await error { try await daemon.apiClient().activate(code: invited.activationCode, password: "Some-Other-Password-1") }
        #expect(refused?.code == .failedPrecondition && refused?.message.contains("AcceptInvitation") == true)
        // Someone else logged in cannot take it.
        #expect(await error { try await rossi.rep.acceptInvitation(code: invited.activationCode) }?.code == .notFound)
    }

    @Test func loginListsTheCompaniesAndEveryCallNamesOne() async throws {
        let daemon = try DaemonProcess()
        let a = try await accountant(daemon)
        let login = try await daemon.apiClient().login(username: "studio.verdi", password: Fixture.password)
        #expect(login.principal == nil)
        #expect(Set(login.memberships.map(\.companyId)) == [a.rossi.companyID, a.bianchi.companyID])
        let carla = daemon.apiClient(token: login.sessionToken)
        let unnamed = await error { try await carla.authorize(.invoicesView) }
        #expect(unnamed?.code == .failedPrecondition && unnamed?.message.contains("you belong to 2 companies") == true)
        #expect(await error { try await carla.listRegistrations() }?.code == .failedPrecondition)
        #expect(await error { try await carla.whoami() }?.code == .failedPrecondition)
        // Per call...
        #expect(try await carla.authorize(.invoicesView, companyID: a.bianchi.companyID).principal.registrationId == a.inBianchi)
        #expect(try await carla.whoami(companyID: a.rossi.companyID).principal.registrationId == a.inRossi)
        // ...or per session.
        #expect(try await carla.selectCompany(a.bianchi.companyID).registrationId == a.inBianchi)
        #expect(try await carla.authorize(.invoicesView).principal.companyId == a.bianchi.companyID)
        #expect(try await carla.listRegistrations().registrations.allSatisfy { $0.companyId == a.bianchi.companyID })
        // ...or at login.
        let direct = try await daemon.apiClient().login(username: "studio.verdi", password: Fixture.password, companyID: a.rossi.companyID)
        #expect(direct.principal?.registrationId == a.inRossi)
        // A company not hers: the same answer whether or not it exists.
        let foreign = try await Fixture.make(daemon, vat: "22222222220", rep: "third.rep", lines: [])
        #expect(await error { try await carla.authorize(.invoicesView, companyID: foreign.companyID) }?.code == .permissionDenied)
        #expect(await error { try await carla.authorize(.invoicesView, companyID: "no-such-company") }?.code == .permissionDenied)
        #expect(await error { try await carla.selectCompany(foreign.companyID) }?.code == .permissionDenied)
        #expect(await error { try await daemon.apiClient().login(username: "studio.verdi", password: Fixture.password, companyID: foreign.companyID) }?.code == .permissionDenied)
        // Single-company people need no companyId, as before.
        _ = try await a.rossi.rep.authorize(.invoicesView)
    }

    @Test func revokingOrNarrowingInOneCompanyChangesNothingInTheOther() async throws {
        let daemon = try DaemonProcess()
        let a = try await accountant(daemon)
        let carla = a.carla
        #expect(try await carla.authorize(.usersManage, companyID: a.rossi.companyID).allowed)
        // Narrowed in Rossi: loses it there at once, keeps it in Bianchi.
        _ = try await a.rossi.rep.changeProfile(ChangeProfileRequest(registrationId: a.inRossi, profile: .adminLight))
        #expect(try await carla.authorize(.usersManage, companyID: a.rossi.companyID).allowed == false)
        #expect(try await carla.authorize(.usersManage, companyID: a.bianchi.companyID).allowed)
        // Revoked in Rossi: the same session loses Rossi and works for Bianchi.
        _ = try await a.rossi.rep.revokeCredentials(a.inRossi, reason: "contract ended")
        #expect(await error { try await carla.authorize(.invoicesView, companyID: a.rossi.companyID) }?.code == .permissionDenied)
        #expect(try await carla.authorize(.invoicesView, companyID: a.bianchi.companyID).allowed)
        // One company left: calls naming none act for it again.
        #expect(try await carla.authorize(.invoicesView).principal.companyId == a.bianchi.companyID)
        // Rossi restores her: an invitation (her password is hers, Bianchi's too).
        let restored = try await a.rossi.rep.restoreCredentials(a.inRossi)
        _ = try await carla.acceptInvitation(code: restored.activationCode)
        #expect(try await carla.account().memberships.count == 2)
    }

    @Test func aManagerOfOneCompanyNeverReachesTheAccount() async throws {
        let daemon = try DaemonProcess()
        let a = try await accountant(daemon)
        // Rossi cannot reset the password or end the sessions that serve Bianchi too.
        let reset = await error { try await a.rossi.rep.resetCredentials(a.inRossi) }
        #expect(reset?.code == .failedPrecondition && reset?.message.contains("another company") == true)
        #expect(await error { try await a.rossi.rep.endUserSessions(a.inRossi) }?.code == .failedPrecondition)
        // Rossi sees only Rossi's registration, and Bianchi's data of her is Bianchi's own.
        let seen = try await a.rossi.rep.registration(a.inRossi)
        #expect(seen.email == "studio.verdi@rossi.example")
        #expect(await error { try await a.rossi.rep.registration(a.inBianchi) }?.code == .notFound)
        let listed = try await a.rossi.rep.listRegistrations().registrations
        #expect(!listed.contains { $0.registrationId == a.inBianchi })
        // Editing her in Rossi changes Rossi's view only.
        _ = try await a.rossi.rep.updateRegistration(UpdateRegistrationRequest(registrationId: a.inRossi, email: "carla@rossi.example"))
        #expect(try await a.bianchi.rep.registration(a.inBianchi).email == "studio@verdi.example")
        #expect(try await a.carla.account().email == "studio.verdi@rossi.example")
        // The desk can reset it.
        let desk = try await daemon.operatorClient().resetCredentials(registrationID: a.inBianchi, reason: "forgot it")
        #expect(desk.delivery.email == "studio.verdi@rossi.example")
    }

    @Test func aRepresentativeOfOneCompanyAndAdminFullOfAnotherKeepsTheRolesApart() async throws {
        let daemon = try DaemonProcess()
        let rossi = try await Fixture.make(daemon)
        let bianchi = try await Fixture.make(daemon, vat: "12345678903", rep: "luigi.bianchi", lines: [])
        // Mario, Rossi's representative, is Bianchi's adminFull.
        let invitation = try await bianchi.rep.registerUser(RegisterUserRequest(username: "mario.rossi", displayName: "Mario Rossi", email: "m@bianchi.example", profile: .adminFull))
        _ = try await rossi.rep.acceptInvitation(code: invitation.activationCode)
        #expect(try await rossi.rep.authorize(.usersManageAdmins, companyID: rossi.companyID).allowed)
        #expect(try await rossi.rep.authorize(.usersManageAdmins, companyID: bianchi.companyID).allowed == false)
        // As Bianchi's adminFull he cannot register an adminFull there, as Rossi's representative he can at Rossi.
        #expect(await error { try await rossi.rep.registerUser(RegisterUserRequest(username: "x.one", displayName: "X", email: "x@b.example", profile: .adminFull, companyId: bianchi.companyID)) }?.code == .permissionDenied)
        _ = try await rossi.rep.registerUser(RegisterUserRequest(username: "x.one", displayName: "X", email: "x@r.example", profile: .adminFull, companyId: rossi.companyID))
        // And he cannot act on Bianchi's representative.
        #expect(await error { try await rossi.rep.revokeCredentials(bianchi.repID, companyID: bianchi.companyID) }?.code == .permissionDenied)
    }
}
