import Foundation
import GRDB
import Testing
import WebProfilesDomain
import WebProfilesStore

/// The store on an in-memory database: every rule that needs data, and its transactions.
@Suite("Profile store")
struct ProfileStoreTests {
    let store: ProfileStore
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        store = try ProfileStore.inMemory()
    }

    func activation() -> ActivationSecret {
        ActivationSecret(codeHash: UUID().uuidString, expiresAt: now.addingTimeInterval(3600))
    }

    func rep(_ username: String) throws -> LegalRepresentativeInput {
        LegalRepresentativeInput(fullName: "Mario Rossi", fiscalCode: try FiscalCode("RSSMRA80A01H501U"), email: "m@r.it", username: try Username(username))
    }

    /// A company with an active legal representative and two mobile lines and a fixed one.
    func company(vat: String = "01234567897", rep username: String = "mario", lines: [String] = ["+393330000001", "+393330000002", "+390600000001"]) async throws -> (company: String, rep: String) {
        let (company, registration) = try await store.createCompany(name: "Rossi", vatNumber: try VATNumber(vat), legalRepresentative: try rep(username),
                                                                    activation: activation(), actor: .system, now: now)
        _ = try await store.activate(codeHash: try #require(try await store.registration(id: registration.id)?.activationCodeHash), passwordHash: "x", now: now)
        _ = try await store.addLines(companyID: company.company.id, lines: try lines.map { try MSISDN($0) }, actor: .system, now: now)
        return (company.company.id, registration.id)
    }

    /// The session `registrationID` acts through (made on first use, as a login would).
    func actor(_ registrationID: String) async throws -> SessionActor {
        let id = "session-of-\(registrationID)"
        let now = self.now
        try await store.unsafeWrite { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO session (id, registrationId, tokenHash, createdAt, expiresAt, lastSeenAt) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [id, registrationID, "hash-\(id)", now, now.addingTimeInterval(3600), now])
        }
        return SessionActor(registrationID: registrationID, sessionID: id)
    }

    func register(_ actor: String, _ username: String, _ profile: Profile, line: String? = nil, referent: String? = nil, activate: Bool = true) async throws -> String {
        let secret = activation()
        let r = try await store.registerUser(actor: try await self.actor(actor), NewRegistration(username: try Username(username), displayName: username, email: "\(username)@r.it",
                                                                             profile: profile, line: try line.map { try MSISDN($0) }, referent: referent),
                                             activation: secret, now: now)
        if activate { _ = try await store.activate(codeHash: secret.codeHash, passwordHash: "x", now: now) }
        return r.id
    }

    func code(_ body: () async throws -> some Any) async -> StoreError.Code? {
        do { _ = try await body(); return nil } catch let error as StoreError { return error.code } catch { Issue.record("unexpected \(error)"); return nil }
    }

    func auditCount() async throws -> Int {
        try await store.unsafeRead { db in try AuditEventRecord.fetchCount(db) }
    }

    @Test func companiesAndUsernamesAreUnique() async throws {
        _ = try await company()
        #expect(await code { try await self.company(vat: "01234567897", rep: "other") } == .alreadyExists)
        #expect(await code { try await self.company(vat: "12345678903", rep: "MARIO") } == .alreadyExists)
    }

    @Test func legalRepresentativeGrantsBelowItself() async throws {
        let (_, rep) = try await company()
        let full = try await register(rep, "full", .adminFull)
        _ = try await register(rep, "light", .adminLight, referent: "Referente tecnico")
        #expect(await code { try await self.register(rep, "second.rep", .legalRepresentative) } == .permissionDenied)
        // adminFull: only below adminFull.
        _ = try await register(full, "dev", .deviceUser, line: "+393330000001")
        #expect(await code { try await self.register(full, "full2", .adminFull) } == .permissionDenied)
        // adminLight holds no users.manage.
        let light2 = try await register(rep, "light2", .adminLight)
        #expect(await code { try await self.register(light2, "user0", .user, line: "+393330000002") } == .permissionDenied)
    }

    @Test func lineRules() async throws {
        let (_, rep) = try await company()
        let (_, otherRep) = try await company(vat: "12345678903", rep: "luigi", lines: ["+393339999999"])
        #expect(await code { try await self.register(rep, "user1", .user) } == .invalidArgument)
        #expect(await code { try await self.register(rep, "user2", .user, line: "+390600000001") } == .invalidArgument) // fixed
        #expect(await code { try await self.register(rep, "user3", .user, line: "+393339999999") } == .invalidArgument) // other company's
        #expect(await code { try await self.register(rep, "user4", .adminFull, line: "+393330000001") } == .invalidArgument)
        #expect(await code { try await self.register(rep, "user5", .user, line: "+393330000001", referent: "x") } == .invalidArgument)
        let holder = try await register(rep, "holder", .user, line: "+393330000001")
        #expect(await code { try await self.register(rep, "user6", .deviceUser, line: "+393330000001") } == .alreadyExists)
        // Revoking frees the line; restoring while someone else holds it is refused.
        _ = try await store.revoke(actor: try await self.actor(rep), targetID: holder, reason: nil, now: now)
        _ = try await register(rep, "taker", .deviceUser, line: "+393330000001")
        #expect(await code { try await self.store.restore(actor: try await self.actor(rep), targetID: holder, activation: self.activation(), now: self.now) } == .failedPrecondition)
        _ = otherRep
    }

    @Test func nobodyManagesThemselvesOrOtherCompanies() async throws {
        let (_, rep) = try await company()
        let (_, otherRep) = try await company(vat: "12345678903", rep: "luigi", lines: [])
        let full = try await register(rep, "full", .adminFull)
        #expect(await code { try await self.store.changeProfile(actor: try await self.actor(full), targetID: full, profile: .adminLight, line: nil, referent: nil, now: self.now) } == .permissionDenied)
        #expect(await code { try await self.store.revoke(actor: try await self.actor(rep), targetID: rep, reason: nil, now: self.now) } == .permissionDenied)
        #expect(await code { try await self.store.revoke(actor: try await self.actor(otherRep), targetID: full, reason: nil, now: self.now) } == .notFound)
        #expect(await code { try await self.store.revoke(actor: try await self.actor(full), targetID: rep, reason: nil, now: self.now) } == .permissionDenied)
    }

    @Test func narrowingAndRevocation() async throws {
        let (_, rep) = try await company()
        let light = try await register(rep, "anna", .adminLight, referent: "Referente")
        let narrowed = try await store.changeProfile(actor: try await self.actor(rep), targetID: light, profile: .user, line: try MSISDN("+393330000002"), referent: nil, now: now)
        #expect(narrowed.profile == .user && narrowed.line == "+393330000002" && narrowed.referent == nil)
        let session = SessionRecord(id: "s1", registrationId: light, tokenHash: "h1", createdAt: now, expiresAt: now.addingTimeInterval(60), lastSeenAt: now)
        _ = try await store.recordLoginSuccess(session: session, verifiedPasswordHash: "x", maxSessions: 10, now: now)
        let (revoked, ended) = try await store.revoke(actor: try await self.actor(rep), targetID: light, reason: "left", now: now)
        #expect(revoked.status == .revoked)
        #expect(ended.map(\.id) == ["s1"])
        #expect(try await store.session(tokenHash: "h1") == nil)
        #expect(await code { try await self.store.revoke(actor: try await self.actor(rep), targetID: light, reason: nil, now: self.now) } == .failedPrecondition)
        let restored = try await store.restore(actor: try await self.actor(rep), targetID: light, activation: activation(), now: now)
        #expect(restored.status == .pendingActivation && restored.passwordHash == nil)
    }

    @Test func legalRepresentativeIsReplacedNeverDoubled() async throws {
        let (companyID, rep) = try await company()
        let result = try await store.changeLegalRepresentative(companyID: companyID, legalRepresentative: try self.rep("new.rep"), reason: "new director",
                                                               activation: activation(), actor: .operator(uid: 0), now: now)
        #expect(result.previous?.status == .revoked)
        #expect(result.company.company.legalRepRegistrationId == result.registration.id)
        #expect(try await store.registration(id: rep)?.status == .revoked)
        // The schema itself refuses a second live legal representative.
        await #expect(throws: (any Error).self) {
            try await store.unsafeWrite { db in
                try db.execute(sql: "UPDATE registration SET status = 'active' WHERE id = ?", arguments: [rep])
            }
        }
    }

    let policy = LoginPolicy(lockoutThreshold: 5, lockoutDuration: 900)
    let source = LoginSource.peer(uid: 1000)

    /// A failed login of `subject`: the attempt, then its failure. Returns whether it locked.
    func failedLogin(_ subject: LoginSubject, at time: Date? = nil) async throws -> (attempt: LoginAttempt, locked: Bool) {
        let attempt = try await store.beginLogin(subject, sources: [source], policy: policy, now: time ?? now)
        return (attempt, try await store.recordLoginFailure(attempt, sources: [source], policy: policy, now: time ?? now))
    }

    @Test func lockoutCountsAndResets() async throws {
        let (_, rep) = try await company()
        for i in 1...4 { #expect(try await failedLogin(.registration(rep)).locked == false, "\(i)") }
        #expect(try await failedLogin(.registration(rep)).locked)
        #expect(try await store.registration(id: rep)?.isLocked(at: now) == true)
        // Attempts during the lockout are not verified and do not count.
        let (refused, locked) = try await failedLogin(.registration(rep), at: now.addingTimeInterval(10))
        #expect(refused.hashToVerify == nil && !locked)
        #expect(try await store.registration(id: rep)?.failedAttempts == 0)
        let unlocked = try await store.unlock(registrationID: rep, actor: .operator(uid: 0), now: now)
        #expect(!unlocked.isLocked(at: now))
    }

    @Test func concurrentAttemptsNeverGetMoreVerificationsThanTheThreshold() async throws {
        let (_, rep) = try await company()
        // Every attempt is started before any is finished, as a burst of guesses would be.
        var attempts: [LoginAttempt] = []
        for _ in 0..<20 { attempts.append(try await store.beginLogin(.registration(rep), sources: [source], policy: policy, now: now)) }
        #expect(attempts.filter { $0.hashToVerify != nil }.count == policy.lockoutThreshold)
        var locks = 0
        for attempt in attempts where try await store.recordLoginFailure(attempt, sources: [source], policy: policy, now: now) { locks += 1 }
        #expect(locks == 1)
        #expect(try await store.registration(id: rep)?.isLocked(at: now) == true)
    }

    @Test func aSuccessGivesTheAttemptsBack() async throws {
        let (_, rep) = try await company()
        for _ in 0..<3 { _ = try await failedLogin(.registration(rep)) }
        let attempt = try await store.beginLogin(.registration(rep), sources: [source], policy: policy, now: now)
        #expect(try await store.registration(id: rep)?.failedAttempts == 4)
        let session = SessionRecord(id: "s", registrationId: rep, tokenHash: "h", createdAt: now, expiresAt: now.addingTimeInterval(60), lastSeenAt: now)
        _ = try await store.recordLoginSuccess(session: session, verifiedPasswordHash: try #require(attempt.hashToVerify), maxSessions: 10, now: now)
        #expect(try await store.registration(id: rep)?.failedAttempts == 0)
    }

    @Test func aRefusedAttemptWritesTheSameWhateverThePassword() async throws {
        let (_, rep) = try await company()
        for _ in 0..<5 { _ = try await failedLogin(.registration(rep)) }
        // Locked: the attempt is refused before any verification, so right and wrong passwords
        // cannot be told apart by what is written.
        let before = try await auditCount()
        let (attempt, _) = try await failedLogin(.registration(rep))
        #expect(attempt.hashToVerify == nil)
        #expect(try await auditCount() == before + 1)
        let last = try await store.unsafeRead { db in try AuditEventRecord.order(AuditEventRecord.Columns.id.desc).fetchOne(db) }
        #expect(last?.action == .loginFailed && last?.targetRegistrationId == rep && last?.after == #"{"refused":"locked"}"#)
    }

    @Test func aSourceFailingTooOftenIsSpacedOutHoweverManyRunAtOnce() async throws {
        let throttled = LoginPolicy(lockoutThreshold: 5, lockoutDuration: 900, peerThreshold: 3, sourceWindow: 60, baseDelay: 0.5, maxDelay: 2, maxWait: 3)
        var turns: [TimeInterval] = []
        var refused: [Bool] = []
        for i in 0..<8 {
            let attempt = try await store.beginLogin(.username(try Username("nobody\(i)")), sources: [source], policy: throttled, now: now)
            turns.append(attempt.notBefore.timeIntervalSince(now))
            refused.append(attempt.throttled)
            try await store.recordLoginFailure(attempt, sources: [source], policy: throttled, now: now)
        }
        // All at the same instant, as a parallel spray would be: each takes the next turn.
        #expect(turns == [0, 0, 0, 0, 0.5, 1.5, 3.5, 5.5])
        #expect(refused == [false, false, false, false, false, false, true, true])
        // Another source is not slowed down, and the window forgets.
        #expect(try await store.beginLogin(.username(nil), sources: [.peer(uid: 7)], policy: throttled, now: now).notBefore == now)
        let later = now.addingTimeInterval(61)
        #expect(try await store.beginLogin(.username(nil), sources: [source], policy: throttled, now: later).notBefore == later)
    }

    @Test func anAddressIsThrottledSoonerThanAPeer() async throws {
        let policy = LoginPolicy(addressThreshold: 2, peerThreshold: 100, baseDelay: 1)
        let sources: [LoginSource] = [.address("192.0.2.7"), source]
        for _ in 0..<2 {
            let attempt = try await store.beginLogin(.username(nil), sources: sources, policy: policy, now: now)
            try await store.recordLoginFailure(attempt, sources: sources, policy: policy, now: now)
        }
        _ = try await store.beginLogin(.username(nil), sources: sources, policy: policy, now: now)
        #expect(try await store.beginLogin(.username(nil), sources: sources, policy: policy, now: now).notBefore > now)
        // The same peer for another end user's address is not slowed down.
        #expect(try await store.beginLogin(.username(nil), sources: [.address("192.0.2.8"), source], policy: policy, now: now).notBefore == now)
    }

    @Test func anAttemptNeverSettledIsForgottenAfterALockout() async throws {
        let (_, rep) = try await company()
        // Five attempts started and never finished (the daemon died, say).
        for _ in 0..<5 { _ = try await store.beginLogin(.registration(rep), sources: [source], policy: policy, now: now) }
        #expect(try await store.beginLogin(.registration(rep), sources: [source], policy: policy, now: now).hashToVerify == nil)
        let later = now.addingTimeInterval(policy.lockoutDuration)
        #expect(try await store.beginLogin(.registration(rep), sources: [source], policy: policy, now: later).hashToVerify != nil)
    }

    @Test func aReleasedAttemptIsGivenBack() async throws {
        let (_, rep) = try await company()
        let attempt = try await store.beginLogin(.registration(rep), sources: [source], policy: policy, now: now)
        #expect(try await store.registration(id: rep)?.failedAttempts == 1)
        try await store.releaseLoginAttempt(attempt)
        #expect(try await store.registration(id: rep)?.failedAttempts == 0)
    }

    @Test func writesRecheckTheSessionInTheirTransaction() async throws {
        let (_, rep) = try await company()
        let acting = try await actor(rep)
        try await store.unsafeWrite { db in try db.execute(sql: "DELETE FROM session WHERE id = ?", arguments: [acting.sessionID]) }
        let new = NewRegistration(username: try Username("late.user"), displayName: "Late", email: "late@r.it", profile: .adminFull, line: nil, referent: nil)
        #expect(await code { try await self.store.registerUser(actor: acting, new, activation: self.activation(), now: self.now) } == .unauthenticated)
        #expect(try await store.registration(username: try Username("late.user")) == nil)
    }

    @Test func sessionLimitEndsTheOldest() async throws {
        let (_, rep) = try await company()
        var ended: [SessionRecord] = []
        for i in 0..<4 {
            let s = SessionRecord(id: "s\(i)", registrationId: rep, tokenHash: "h\(i)", createdAt: now.addingTimeInterval(Double(i)),
                                  expiresAt: now.addingTimeInterval(3600), lastSeenAt: now)
            ended += try await store.recordLoginSuccess(session: s, verifiedPasswordHash: "x", maxSessions: 3, now: now.addingTimeInterval(Double(i)))
        }
        #expect(ended.map(\.id) == ["s0"])
        #expect(try await store.sessions(registrationID: rep).count == 3)
    }

    @Test func aLoginNeverEndsItsOwnSession() async throws {
        let (_, rep) = try await company()
        // A login that arrived earlier but commits later must keep its own new session.
        let late = SessionRecord(id: "late", registrationId: rep, tokenHash: "hl", createdAt: now, expiresAt: now.addingTimeInterval(3600), lastSeenAt: now)
        let early = SessionRecord(id: "early", registrationId: rep, tokenHash: "he", createdAt: now.addingTimeInterval(5), expiresAt: now.addingTimeInterval(3600), lastSeenAt: now)
        _ = try await store.recordLoginSuccess(session: early, verifiedPasswordHash: "x", maxSessions: 1, now: now)
        let ended = try await store.recordLoginSuccess(session: late, verifiedPasswordHash: "x", maxSessions: 1, now: now)
        #expect(ended.map(\.id) == ["early"])
        #expect(try await store.sessions(registrationID: rep).map(\.id) == ["late"])
    }

    @Test func aPasswordChangedSinceVerificationRefusesTheLogin() async throws {
        let (_, rep) = try await company()
        let session = SessionRecord(id: "s", registrationId: rep, tokenHash: "h", createdAt: now, expiresAt: now.addingTimeInterval(60), lastSeenAt: now)
        #expect(await code { try await self.store.recordLoginSuccess(session: session, verifiedPasswordHash: "old-hash", maxSessions: 10, now: self.now) } == .unauthenticated)
        #expect(await code { try await self.store.changePassword(registrationID: rep, verifiedPasswordHash: "old-hash", passwordHash: "new", keepSessionID: nil, now: self.now) } == .failedPrecondition)
    }

    @Test func everyLoginFailureIsOneAuditedWrite() async throws {
        let before = try await auditCount()
        #expect(try await failedLogin(.username(nil)).locked == false)
        #expect(try await failedLogin(.username(try Username("nobody"))).locked == false)
        #expect(try await auditCount() == before + 2)
    }

    @Test func refusedOperationsWriteNoAuditEvents() async throws {
        let (_, rep) = try await company()
        let before = try await auditCount()
        #expect(await code { try await self.register(rep, "mario", .user, line: "+393330000001") } == .alreadyExists)
        #expect(await code { try await self.register(rep, "xuser1", .user, line: "+393339999998") } == .invalidArgument)
        #expect(try await auditCount() == before)
        _ = try await register(rep, "ok.user", .user, line: "+393330000001", activate: false)
        #expect(try await auditCount() == before + 1)
    }

    @Test func removingALineIsRefusedWhileHeld() async throws {
        let (companyID, rep) = try await company()
        let holder = try await register(rep, "holder", .user, line: "+393330000001")
        #expect(await code { try await self.store.removeLine(companyID: companyID, msisdn: try MSISDN("+393330000001"), actor: .system, now: self.now) } == .failedPrecondition)
        _ = try await store.revoke(actor: try await self.actor(rep), targetID: holder, reason: nil, now: now)
        let company = try await store.removeLine(companyID: companyID, msisdn: try MSISDN("+393330000001"), actor: .system, now: now)
        #expect(!company.lines.contains { $0.msisdn == "+393330000001" })
    }

    @Test func listingPagesAndFilters() async throws {
        let (companyID, rep) = try await company()
        for i in 0..<7 { _ = try await register(rep, "user\(i)", .adminLight, activate: i % 2 == 0) }
        var seen: [String] = []
        var after: String?
        repeat {
            let page = try await store.listRegistrations(companyID: companyID, filter: RegistrationFilter(), pageSize: 3, after: after)
            seen += page.items.map(\.username)
            after = page.nextAfter
        } while after != nil
        #expect(seen == seen.sorted() && seen.count == 8)
        let pending = try await store.listRegistrations(companyID: companyID, filter: RegistrationFilter(status: .pendingActivation), pageSize: 50, after: nil)
        #expect(pending.items.count == 3)
        let query = try await store.listRegistrations(companyID: companyID, filter: RegistrationFilter(query: "USER1"), pageSize: 50, after: nil)
        #expect(query.items.map(\.username) == ["user1"])
        let wildcard = try await store.listRegistrations(companyID: companyID, filter: RegistrationFilter(query: "%"), pageSize: 50, after: nil)
        #expect(wildcard.items.isEmpty)
    }

    @Test func aFileDatabaseKeepsWhatWasWritten() async throws {
        let path = NSTemporaryDirectory() + "webprofiles-store-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let store = ProfileStore.open(path: path)
            _ = try await store.createCompany(name: "Kept", vatNumber: try VATNumber("01234567897"), legalRepresentative: try rep("kept"),
                                              activation: activation(), actor: .system, now: now)
        }
        let reopened = ProfileStore.open(path: path)
        #expect(try await reopened.counts().companies == 1)
        #expect(try await reopened.registration(username: try Username("KEPT")) != nil)
    }
}
