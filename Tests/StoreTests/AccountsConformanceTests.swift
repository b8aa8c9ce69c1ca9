import Foundation
import Testing
import WebProfilesDomain
import WebProfilesStore

/// Accounts across companies, invitations, recovery, the desk's lookups, the second factor and
/// the audit trail, in the store, on every backend.
@Suite("Store conformance: accounts")
struct AccountsConformanceTests {
    /// An accountant registered by company A, then invited by company B.
    func accountant(_ f: StoreFixture) async throws -> (a: String, b: String, repA: String, repB: String, inA: String, inB: String, account: String) {
        let (a, repA) = try await f.company()
        let (b, repB) = try await f.company(vat: "12345678903", rep: "luigi", name: "Bianchi", lines: ["+393331111111"])
        let inA = try await f.register(repA, "carla", .adminFull, displayName: "Carla Verdi")
        let inB = try await f.register(repB, "carla", .adminFull, displayName: "Dott.ssa Verdi")
        return (a, b, repA, repB, inA, inB, try await f.account(ofRegistration: inA))
    }

    @Test(arguments: StoreBackendKind.all)
    func anExistingUsernameIsInvitedNotDuplicated(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, repA) = try await f.company()
        let (_, repB) = try await f.company(vat: "12345678903", rep: "luigi", lines: [])
        let inA = try await f.register(repA, "carla", .adminFull)
        let secret = f.activation()
        let invited = try await f.store.registerUser(actor: try await f.actor(repB), NewRegistration(
            username: try Username("CARLA"), displayName: "Carla", email: "c@b.it", profile: .adminFull, line: nil, referent: nil), activation: secret, now: f.now)
        // The same shape as a new person's: pending, a code; the account is the one of A.
        #expect(invited.status == .pendingActivation && invited.membership.invited)
        #expect(invited.accountId == (try await f.account(ofRegistration: inA)))
        // The code is an invitation: activation (setting a password) refuses it.
        #expect(await f.code { try await f.store.activate(codeHash: secret.codeHash, passwordHash: "y", now: f.now) } == .failedPrecondition)
        // Another account cannot accept it.
        let other = try await f.account(ofRegistration: repB)
        #expect(await f.code { try await f.store.acceptInvitation(accountID: other, sessionID: try await f.session(of: other), codeHash: secret.codeHash, now: f.now) } == .notFound)
        let accepted = try await f.store.acceptInvitation(accountID: invited.accountId, sessionID: try await f.session(of: invited.accountId),
                                                          codeHash: secret.codeHash, now: f.now)
        #expect(accepted.status == .active)
        // Registering the same person twice in one company is refused.
        #expect(await f.code { try await f.register(repB, "carla", .adminLight) } == .alreadyExists)
    }

    @Test(arguments: StoreBackendKind.all)
    func revokingInOneCompanyLeavesTheOther(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let p = try await accountant(f)
        _ = try await f.login(p.account, id: "s")
        let (revoked, ended) = try await f.store.revoke(actor: try await f.actor(p.repA), targetID: p.inA, reason: nil, now: f.now)
        #expect(revoked.status == .revoked && ended.isEmpty)
        #expect(try await f.store.session(tokenHash: "h-s") != nil)
        let active = try #require(try await f.store.activeRegistrations(accountID: p.account))
        #expect(active.registrations.map(\.0.companyId) == [p.b])
        // Restoring in A makes an invitation: the password is the person's, B's too.
        let restored = try await f.store.restore(actor: try await f.actor(p.repA), targetID: p.inA, activation: f.activation(), now: f.now)
        #expect(restored.membership.invited && restored.account.passwordHash == "x")
    }

    @Test(arguments: StoreBackendKind.all)
    func aManagerCannotResetOrEndASharedAccount(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let p = try await accountant(f)
        #expect(await f.code { try await f.store.resetCredentials(actor: try await f.actor(p.repA), targetID: p.inA, code: f.activation(), now: f.now) } == .failedPrecondition)
        #expect(await f.code { try await f.store.endUserSessions(actor: try await f.actor(p.repA), targetID: p.inA, now: f.now) } == .failedPrecondition)
        // The desk can.
        let (_, recipient, _) = try await f.store.resetCredentials(registrationID: p.inA, reason: "lost", code: f.activation(),
                                                                   actor: .operator(uid: 0, agent: "a"), now: f.now)
        #expect(recipient.registrationID == p.inA)
        // A manager's edit of a shared account changes the company's view only.
        _ = try await f.store.updateRegistration(actor: try await f.actor(p.repB), targetID: p.inB, displayName: "Carla V.", email: "cv@b.it", now: f.now)
        #expect(try await f.store.account(id: p.account)?.email == "carla@r.it")
        #expect(try await f.store.registration(id: p.inA)?.displayName == "Carla Verdi")
    }

    @Test(arguments: StoreBackendKind.all)
    func selectingACompanyNeedsAnActiveMembership(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let p = try await accountant(f)
        let session = try await f.session(of: p.account)
        let selected = try await f.store.selectCompany(sessionID: session, accountID: p.account, companyID: p.b, now: f.now)
        #expect(selected.id == p.inB)
        let (c, _) = try await f.company(vat: "22222222220", rep: "third", lines: [])
        #expect(await f.code { try await f.store.selectCompany(sessionID: session, accountID: p.account, companyID: c, now: f.now) } == .permissionDenied)
        // A login names a company it may act for, or none.
        let badLogin = SessionRecord(id: "bad", accountId: p.account, tokenHash: "hb", createdAt: f.now, expiresAt: f.now.addingTimeInterval(60),
                                     lastSeenAt: f.now, selectedCompanyId: c)
        #expect(await f.code { try await f.store.recordLoginSuccess(LoginSuccess(session: badLogin, verifiedPasswordHash: "x", maxSessions: 10, now: f.now)) } == .permissionDenied)
        let outcome = try await f.login(p.account, id: "two")
        #expect(outcome.session.selectedCompanyId == nil && outcome.registrations.count == 2)
        // The login's own read of the registrations is what a read after it finds.
        let after = try #require(try await f.store.activeRegistrations(accountID: p.account))
        #expect(outcome.registrations.map { "\($0.0.id) \($0.companyName)" } == after.registrations.map { "\($0.0.id) \($0.companyName)" })
        #expect(outcome.registrations.allSatisfy { !$0.companyName.isEmpty })
    }

    @Test(arguments: StoreBackendKind.all)
    func recoveryCodesAreFewShortLivedAndSingleUse(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        _ = try await f.login(account, id: "before")
        var codes: [ActivationSecret] = []
        for i in 0..<5 {
            let code = ActivationSecret(codeHash: "r\(i)", expiresAt: f.now.addingTimeInterval(1800))
            let recipient = try #require(try await f.store.requestRecovery(username: try Username("mario"), code: code, now: f.now.addingTimeInterval(Double(i))))
            #expect(recipient.registrationID == rep && recipient.email == "m@r.it")
            codes.append(code)
        }
        // At most three live: the two oldest died.
        #expect(try await f.store.recoveryTarget(codeHash: "r0", now: f.now) == nil)
        #expect(try await f.store.recoveryTarget(codeHash: "r4", now: f.now) != nil)
        #expect(try await f.store.recoveryTarget(codeHash: "r4", now: f.now.addingTimeInterval(1801)) == nil)
        // Unknown usernames: nothing, and no row.
        #expect(try await f.store.requestRecovery(username: try Username("nobody"), code: ActivationSecret(codeHash: "n", expiresAt: f.now), now: f.now) == nil)
        let (_, ended) = try await f.store.completeRecovery(codeHash: "r4", passwordHash: "new", now: f.now)
        #expect(ended.map(\.id).contains("before"))
        #expect(try await f.store.account(id: account)?.passwordHash == "new")
        // Used up, and so are the others.
        #expect(await f.code { try await f.store.completeRecovery(codeHash: "r4", passwordHash: "again", now: f.now) } == .unauthenticated)
        #expect(await f.code { try await f.store.completeRecovery(codeHash: "r3", passwordHash: "again", now: f.now) } == .unauthenticated)
    }

    @Test(arguments: StoreBackendKind.all)
    func aResetByAManagerStopsThePasswordAndTheSessions(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let user = try await f.register(rep, "user", .user, line: "+393330000001")
        let account = try await f.account(ofRegistration: user)
        _ = try await f.login(account, id: "u")
        let (record, recipient, ended) = try await f.store.resetCredentials(actor: try await f.actor(rep), targetID: user,
                                                                            code: ActivationSecret(codeHash: "reset", expiresAt: f.now.addingTimeInterval(60)), now: f.now)
        #expect(record.account.passwordHash == nil && ended.map(\.id) == ["u"] && recipient.email == "user@r.it")
        #expect(await f.code { try await f.login(account, id: "after") } == .unauthenticated)
        // Pending registrations get a new activation code instead; revoked ones a restore.
        let pending = try await f.register(rep, "pending", .adminLight, activate: false)
        #expect(await f.code { try await f.store.resetCredentials(actor: try await f.actor(rep), targetID: pending, code: f.activation(), now: f.now) } == .failedPrecondition)
        let fresh = f.activation()
        _ = try await f.store.reissueActivation(actor: try await f.actor(rep), targetID: pending, activation: fresh, now: f.now)
        #expect(try await f.store.registration(activationCodeHash: fresh.codeHash, now: f.now)?.id == pending)
        #expect(await f.code { try await f.store.reissueActivation(actor: try await f.actor(rep), targetID: user, activation: f.activation(), now: f.now) } == .failedPrecondition)
    }

    @Test(arguments: StoreBackendKind.all)
    func theDeskFindsPeopleAndCompanies(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let p = try await accountant(f)
        let byUsername = try await f.store.findRegistrations(.username(try Username("Carla")), limit: 500)
        #expect(Set(byUsername.map(\.id)) == [p.inA, p.inB])
        let byEmail = try await f.store.findRegistrations(.email("CARLA@r.it".lowercased()), limit: 500)
        #expect(Set(byEmail.map(\.id)) == [p.inA, p.inB])
        let byFiscalCode = try await f.store.findRegistrations(.fiscalCode(try FiscalCode("RSSMRA80A01H501U")), limit: 500)
        #expect(Set(byFiscalCode.map(\.id)) == [p.repA, p.repB])
        let byVAT = try await f.store.findCompanies(vatNumber: try VATNumber("12345678903"), name: nil, pageSize: 50, after: nil)
        #expect(byVAT.items.map(\.company.id) == [p.b])
        let byName = try await f.store.findCompanies(vatNumber: nil, name: "BIANCHÍ", pageSize: 50, after: nil)
        #expect(byName.items.map(\.company.id) == [p.b])
    }

    @Test(arguments: StoreBackendKind.all)
    func theSecondFactorIsEnrolledConfirmedAndUsedOnce(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        let caller = try await f.actor(rep)
        // A login of a person whose profile requires a second factor, without one: a session that may only enrol.
        let waiting = SessionRecord(id: "w", accountId: account, tokenHash: "hw", createdAt: f.now, expiresAt: f.now.addingTimeInterval(60), lastSeenAt: f.now)
        let outcome = try await f.store.recordLoginSuccess(LoginSuccess(session: waiting, verifiedPasswordHash: "x", requiredSecondFactorProfiles: [.legalRepresentative],
                                                                        maxSessions: 10, now: f.now))
        #expect(outcome.session.requiredAction == RequiredAction.enrollSecondFactor.rawValue)
        try await f.store.beginSecondFactorEnrollment(caller: caller, encryptedSecret: "sealed", now: f.now)
        #expect(await f.code { try await f.store.confirmSecondFactorEnrollment(caller: caller, encryptedSecret: "other", step: 1, recoveryCodeHashes: [], now: f.now) } == .failedPrecondition)
        try await f.store.confirmSecondFactorEnrollment(caller: caller, encryptedSecret: "sealed", step: 100, recoveryCodeHashes: ["c1", "c2"], now: f.now)
        #expect(try await f.store.session(tokenHash: "hw")?.requiredAction == nil)
        #expect(try await f.store.secondFactorRecoveryCodesLeft(accountID: account) == 2)
        // A step at or before the last accepted one is refused; a later one is taken once.
        func login(_ use: SecondFactorUse, _ id: String) async throws -> LoginOutcome {
            let s = SessionRecord(id: id, accountId: account, tokenHash: "h\(id)", createdAt: f.now, expiresAt: f.now.addingTimeInterval(60), lastSeenAt: f.now)
            return try await f.store.recordLoginSuccess(LoginSuccess(session: s, verifiedPasswordHash: "x", secondFactor: use, maxSessions: 10, now: f.now))
        }
        #expect(await f.code { try await login(.totp(step: 100), "replay") } == .unauthenticated)
        _ = try await login(.totp(step: 101), "next")
        #expect(await f.code { try await login(.totp(step: 101), "again") } == .unauthenticated)
        _ = try await login(.recoveryCode(hash: "c1"), "rc")
        #expect(await f.code { try await login(.recoveryCode(hash: "c1"), "rc2") } == .unauthenticated)
        #expect(try await f.store.secondFactorRecoveryCodesLeft(accountID: account) == 1)
        // The desk's reset ends the sessions and removes the factor.
        let (_, ended) = try await f.store.resetSecondFactor(registrationID: rep, reason: "lost phone", actor: .operator(uid: 0, agent: "a"), now: f.now)
        #expect(!ended.isEmpty)
        #expect(try await f.store.account(id: account)?.totpEnabled == false)
        #expect(try await f.store.secondFactorRecoveryCodesLeft(accountID: account) == 0)
    }

    @Test(arguments: StoreBackendKind.all)
    func theCompanyTrailIsScopedFilteredAndPurged(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let p = try await accountant(f)
        _ = try await f.store.changeProfile(actor: try await f.actor(p.repA), targetID: p.inA, profile: .adminLight, line: nil, referent: nil, now: f.now)
        // A failed login of the accountant: account-wide, so in the trail of both her companies.
        let attempt = try await f.store.beginLogin(.account(p.account), sources: [], policy: LoginPolicy(), now: f.now)
        try await f.store.recordLoginFailure(attempt, sources: [], policy: LoginPolicy(), now: f.now)
        let trailA = try await f.store.listAuditEvents(AuditFilter(companyID: p.a), pageSize: 500, afterID: nil).items
        #expect(!trailA.isEmpty && trailA.allSatisfy { $0.companyId == p.a || ($0.companyId == nil && $0.targetAccountId != nil) })
        #expect(!trailA.contains { $0.companyId == p.b })
        let trailB = try await f.store.listAuditEvents(AuditFilter(companyID: p.b), pageSize: 500, afterID: nil).items
        #expect(trailA.contains { $0.action == .loginFailed && $0.targetAccountId == p.account })
        #expect(trailB.contains { $0.action == .loginFailed && $0.targetAccountId == p.account })
        let changes = try await f.store.listAuditEvents(AuditFilter(companyID: p.a, action: .profileChanged), pageSize: 500, afterID: nil).items
        #expect(changes.count == 1 && changes[0].targetRegistrationId == p.inA)
        let none = try await f.store.listAuditEvents(AuditFilter(companyID: p.a, until: f.now), pageSize: 500, afterID: nil).items
        #expect(none.isEmpty)
        // Paging walks every event once.
        var seen: [Int64] = []
        var after: Int64?
        repeat {
            let page = try await f.store.listAuditEvents(AuditFilter(), pageSize: 2, afterID: after)
            seen += page.items.compactMap(\.id)
            after = page.nextAfter.flatMap { Int64($0) }
        } while after != nil
        let total = try await f.auditCount()
        #expect(seen == seen.sorted() && Set(seen).count == seen.count && seen.count == total)
        // Retention: everything older than the cutoff goes, and the purge is itself audited.
        let deleted = try await f.store.purgeAuditEvents(olderThan: f.now.addingTimeInterval(1), limit: 10_000, now: f.now.addingTimeInterval(2))
        #expect(deleted == seen.count)
        let left = try await f.store.listAuditEvents(AuditFilter(), pageSize: 500, afterID: nil).items
        #expect(left.map(\.action) == [.auditPurged])
    }

    @Test(arguments: StoreBackendKind.all)
    func everyCommittedChangeIsPublished(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let p = try await accountant(f)
        let published = Locked<[StoreChange]>([])
        f.store.changes.subscribe { changes in published.withLock { $0 += changes } }
        _ = try await f.store.changeProfile(actor: try await f.actor(p.repA), targetID: p.inA, profile: .adminLight, line: nil, referent: nil, now: f.now)
        #expect(published.withLock { $0 }.contains(.account(p.account)))
        _ = try await f.store.addLines(companyID: p.a, lines: [try MSISDN("+393337777777")], actor: .system, now: f.now)
        #expect(published.withLock { $0 }.contains(.company(p.a)))
        // A refused write publishes nothing.
        let before = published.withLock { $0.count }
        _ = await f.code { try await f.store.revoke(actor: try await f.actor(p.repA), targetID: p.repA, reason: nil, now: f.now) }
        #expect(published.withLock { $0.count } == before)
    }
}
