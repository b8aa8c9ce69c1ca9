import Foundation
import Testing
import WebProfilesDomain
import WebProfilesStore

/// Gestione utenze in the store, on every backend: who may register, change, revoke and
/// restore whom, lines and referents, the legal representative, listings.
@Suite("Store conformance: Gestione utenze")
struct GestioneUtenzeConformanceTests {
    @Test(arguments: StoreBackendKind.all)
    func companiesAndVATNumbersAreUnique(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        _ = try await f.company()
        #expect(await f.code { try await f.company(vat: "01234567897", rep: "other") } == .alreadyExists)
    }

    @Test(arguments: StoreBackendKind.all)
    func legalRepresentativeGrantsBelowItself(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let full = try await f.register(rep, "full", .adminFull)
        try await f.register(rep, "light", .adminLight, referent: "Referente tecnico")
        #expect(await f.code { try await f.register(rep, "second.rep", .legalRepresentative) } == .permissionDenied)
        // adminFull: only below adminFull.
        try await f.register(full, "dev", .deviceUser, line: "+393330000001")
        #expect(await f.code { try await f.register(full, "full2", .adminFull) } == .permissionDenied)
        // adminLight holds no users.manage.
        let light2 = try await f.register(rep, "light2", .adminLight)
        #expect(await f.code { try await f.register(light2, "user0", .user, line: "+393330000002") } == .permissionDenied)
    }

    @Test(arguments: StoreBackendKind.all)
    func lineRules(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        _ = try await f.company(vat: "12345678903", rep: "luigi", lines: ["+393339999999"])
        #expect(await f.code { try await f.register(rep, "user1", .user) } == .invalidArgument)
        #expect(await f.code { try await f.register(rep, "user2", .user, line: "+390600000001") } == .invalidArgument) // fixed
        #expect(await f.code { try await f.register(rep, "user3", .user, line: "+393339999999") } == .invalidArgument) // other company's
        #expect(await f.code { try await f.register(rep, "user4", .adminFull, line: "+393330000001") } == .invalidArgument)
        #expect(await f.code { try await f.register(rep, "user5", .user, line: "+393330000001", referent: "x") } == .invalidArgument)
        let holder = try await f.register(rep, "holder", .user, line: "+393330000001")
        #expect(await f.code { try await f.register(rep, "user6", .deviceUser, line: "+393330000001") } == .alreadyExists)
        // Revoking frees the line; restoring while someone else holds it is refused.
        _ = try await f.store.revoke(actor: try await f.actor(rep), targetID: holder, reason: nil, now: f.now)
        try await f.register(rep, "taker", .deviceUser, line: "+393330000001")
        #expect(await f.code { try await f.store.restore(actor: try await f.actor(rep), targetID: holder, activation: f.activation(), now: f.now) } == .failedPrecondition)
    }

    @Test(arguments: StoreBackendKind.all)
    func nobodyManagesThemselvesOrOtherCompanies(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let (_, otherRep) = try await f.company(vat: "12345678903", rep: "luigi", lines: [])
        let full = try await f.register(rep, "full", .adminFull)
        #expect(await f.code { try await f.store.changeProfile(actor: try await f.actor(full), targetID: full, profile: .adminLight, line: nil, referent: nil, now: f.now) } == .permissionDenied)
        #expect(await f.code { try await f.store.revoke(actor: try await f.actor(rep), targetID: rep, reason: nil, now: f.now) } == .permissionDenied)
        #expect(await f.code { try await f.store.revoke(actor: try await f.actor(otherRep), targetID: full, reason: nil, now: f.now) } == .notFound)
        #expect(await f.code { try await f.store.revoke(actor: try await f.actor(full), targetID: rep, reason: nil, now: f.now) } == .permissionDenied)
    }

    @Test(arguments: StoreBackendKind.all)
    func narrowingAndRevocation(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let light = try await f.register(rep, "anna", .adminLight, referent: "Referente")
        let narrowed = try await f.store.changeProfile(actor: try await f.actor(rep), targetID: light, profile: .user, line: try MSISDN("+393330000002"), referent: nil, now: f.now)
        #expect(narrowed.profile == .user && narrowed.line == "+393330000002" && narrowed.referent == nil)
        _ = try await f.login(try await f.account(ofRegistration: light), id: "s1")
        let (revoked, ended) = try await f.store.revoke(actor: try await f.actor(rep), targetID: light, reason: "left", now: f.now)
        #expect(revoked.status == .revoked)
        #expect(ended.map(\.id) == ["s1"])
        #expect(try await f.store.session(tokenHash: "h-s1") == nil)
        #expect(await f.code { try await f.store.revoke(actor: try await f.actor(rep), targetID: light, reason: nil, now: f.now) } == .failedPrecondition)
        let restored = try await f.store.restore(actor: try await f.actor(rep), targetID: light, activation: f.activation(), now: f.now)
        #expect(restored.status == .pendingActivation && restored.account.passwordHash == nil)
    }

    @Test(arguments: StoreBackendKind.all)
    func legalRepresentativeIsReplacedNeverDoubled(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (companyID, rep) = try await f.company()
        let result = try await f.store.changeLegalRepresentative(companyID: companyID, legalRepresentative: try f.rep("new.rep"), reason: "new director",
                                                                 activation: f.activation(), actor: .operator(uid: 0), now: f.now)
        #expect(result.previous?.status == .revoked)
        #expect(result.company.company.legalRepRegistrationId == result.registration.id)
        #expect(try await f.store.registration(id: rep)?.status == .revoked)
        // The schema itself refuses a second live legal representative.
        await #expect(throws: (any Error).self) {
            try await f.store.unsafeWrite { tx in try tx.execute("UPDATE membership SET status = 'active' WHERE id = ?", [.text(rep)]) }
        }
    }

    @Test(arguments: StoreBackendKind.all)
    func writesRecheckTheSessionInTheirTransaction(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let acting = try await f.actor(rep)
        try await f.store.unsafeWrite { tx in try tx.execute("DELETE FROM session WHERE id = ?", [.text(acting.sessionID)]) }
        let new = NewRegistration(username: try Username("late.user"), displayName: "Late", email: "late@r.it", profile: .adminFull, line: nil, referent: nil)
        #expect(await f.code { try await f.store.registerUser(actor: acting, new, activation: f.activation(), now: f.now) } == .unauthenticated)
        #expect(try await f.store.account(username: try Username("late.user")) == nil)
    }

    @Test(arguments: StoreBackendKind.all)
    func refusedOperationsWriteNoAuditEvents(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let before = try await f.auditCount()
        #expect(await f.code { try await f.register(rep, "mario", .user, line: "+393330000001") } == .alreadyExists)
        #expect(await f.code { try await f.register(rep, "xuser1", .user, line: "+393339999998") } == .invalidArgument)
        #expect(try await f.auditCount() == before)
        try await f.register(rep, "ok.user", .user, line: "+393330000001", activate: false)
        #expect(try await f.auditCount() == before + 1)
    }

    @Test(arguments: StoreBackendKind.all)
    func removingALineIsRefusedWhileHeld(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (companyID, rep) = try await f.company()
        let holder = try await f.register(rep, "holder", .user, line: "+393330000001")
        #expect(await f.code { try await f.store.removeLine(companyID: companyID, msisdn: try MSISDN("+393330000001"), actor: .system, now: f.now) } == .failedPrecondition)
        _ = try await f.store.revoke(actor: try await f.actor(rep), targetID: holder, reason: nil, now: f.now)
        let company = try await f.store.removeLine(companyID: companyID, msisdn: try MSISDN("+393330000001"), actor: .system, now: f.now)
        #expect(!company.lines.contains { $0.msisdn == "+393330000001" })
    }

    @Test(arguments: StoreBackendKind.all)
    func listingPagesAndFiltersWithUnicodeFolding(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (companyID, rep) = try await f.company()
        for i in 0..<7 { try await f.register(rep, "user\(i)", .adminLight, activate: i % 2 == 0) }
        try await f.register(rep, "elise", .adminLight, displayName: "Élise Dupré")
        var seen: [String] = []
        var after: String?
        repeat {
            let page = try await f.store.listRegistrations(companyID: companyID, filter: RegistrationFilter(), pageSize: 3, after: after)
            seen += page.items.map(\.username)
            after = page.nextAfter
        } while after != nil
        #expect(seen == seen.sorted() && seen.count == 9)
        let pending = try await f.store.listRegistrations(companyID: companyID, filter: RegistrationFilter(status: .pendingActivation), pageSize: 50, after: nil)
        #expect(pending.items.count == 3)
        let query = try await f.store.listRegistrations(companyID: companyID, filter: RegistrationFilter(query: "USER1"), pageSize: 50, after: nil)
        #expect(query.items.map(\.username) == ["user1"])
        for spelling in ["élise", "ELISE", "Élise", "dupre", "DUPRÉ"] {
            let found = try await f.store.listRegistrations(companyID: companyID, filter: RegistrationFilter(query: spelling), pageSize: 50, after: nil)
            #expect(found.items.map(\.username) == ["elise"], "\(spelling)")
        }
        let wildcard = try await f.store.listRegistrations(companyID: companyID, filter: RegistrationFilter(query: "%"), pageSize: 50, after: nil)
        #expect(wildcard.items.isEmpty)
    }

    @Test(arguments: StoreBackendKind.all)
    func referentTypesOfTheContractAreEnforcedAndStoredAsListed(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (companyID, rep) = try await f.company()
        try await f.register(rep, "free", .adminLight, referent: "Anything")
        _ = try await f.store.setReferentTypes(companyID: companyID, referentTypes: ["Referente Tecnico", "Referente Amministrativo"], actor: .system, now: f.now)
        #expect(await f.code { try await f.register(rep, "other", .adminLight, referent: "Anything") } == .invalidArgument)
        let listed = try await f.register(rep, "listed", .adminLight, referent: "referente tecnico")
        #expect(try await f.store.registration(id: listed)?.referent == "Referente Tecnico")
        let company = try await f.store.setReferentTypes(companyID: companyID, referentTypes: [], actor: .system, now: f.now)
        #expect(company.company.referentTypeList == nil)
        try await f.register(rep, "free2", .adminLight, referent: "Anything")
    }

    @Test(arguments: StoreBackendKind.all)
    func managersEditDetailsWithBeforeAndAfter(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let anna = try await f.register(rep, "anna", .adminFull, displayName: "Ana")
        let updated = try await f.store.updateRegistration(actor: try await f.actor(rep), targetID: anna, displayName: "Anna Bianchi", email: "anna@b.it", now: f.now)
        #expect(updated.displayName == "Anna Bianchi" && updated.email == "anna@b.it")
        // The person's own account follows (it serves no other company): recovery goes there.
        #expect(try await f.store.account(id: updated.accountId)?.email == "anna@b.it")
        let event = try #require(try await f.lastAuditEvent())
        #expect(event.action == .detailsChanged && event.before?.contains("Ana") == true && event.after?.contains("Anna Bianchi") == true)
        // An adminFull cannot edit the representative.
        #expect(await f.code { try await f.store.updateRegistration(actor: try await f.actor(anna), targetID: rep, displayName: "X", email: nil, now: f.now) } == .permissionDenied)
    }

    @Test(arguments: StoreBackendKind.all)
    func theDeskCorrectsTheLegalRepresentativeInPlace(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (companyID, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        _ = try await f.login(account, id: "kept")
        let company = try await f.store.updateLegalRepresentative(companyID: companyID, fullName: "Mario Rossi Jr", email: "mario@rossi.it",
                                                                  fiscalCode: try FiscalCode("RSSMRA80A01H501U"), reason: "typo",
                                                                  actor: .operator(uid: 0, agent: "anna", ticket: "T-1"), now: f.now)
        #expect(company.company.legalRepFullName == "Mario Rossi Jr" && company.company.legalRepRegistrationId == rep)
        let registration = try #require(try await f.store.registration(id: rep))
        #expect(registration.status == .active && registration.email == "mario@rossi.it" && registration.username == "mario")
        #expect(try await f.store.session(tokenHash: "h-kept") != nil)
        let event = try #require(try await f.lastAuditEvent())
        #expect(event.action == .legalRepresentativeUpdated && event.agent == "anna" && event.ticket == "T-1")
    }
}
