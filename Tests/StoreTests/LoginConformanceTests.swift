import Foundation
import Testing
import WebProfilesDomain
import WebProfilesStore

/// Password checks, lockout, throttling and sessions in the store, on every backend.
@Suite("Store conformance: logins and sessions")
struct LoginConformanceTests {
    let policy = LoginPolicy(lockoutThreshold: 5, lockoutDuration: 900)
    let source = LoginSource.peer(uid: 1000)

    /// A failed login of `subject`: the attempt, then its failure. Returns whether it locked.
    func failedLogin(_ f: StoreFixture, _ subject: LoginSubject, at time: Date? = nil) async throws -> (attempt: LoginAttempt, locked: Bool) {
        let attempt = try await f.store.beginLogin(subject, sources: [source], policy: policy, now: time ?? f.now)
        return (attempt, try await f.store.recordLoginFailure(attempt, sources: [source], policy: policy, now: time ?? f.now))
    }

    @Test(arguments: StoreBackendKind.all)
    func lockoutCountsAndResets(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        for i in 1...4 { #expect(try await failedLogin(f, .account(account)).locked == false, "\(i)") }
        #expect(try await failedLogin(f, .account(account)).locked)
        #expect(try await f.store.registration(id: rep)?.isLocked(at: f.now) == true)
        // Attempts during the lockout are not verified and do not count.
        let (refused, locked) = try await failedLogin(f, .account(account), at: f.now.addingTimeInterval(10))
        #expect(refused.hashToVerify == nil && !locked)
        #expect(try await f.store.account(id: account)?.failedAttempts == 0)
        let unlocked = try await f.store.unlock(registrationID: rep, actor: .operator(uid: 0), now: f.now)
        #expect(!unlocked.isLocked(at: f.now))
    }

    @Test(arguments: StoreBackendKind.all)
    func concurrentAttemptsNeverGetMoreVerificationsThanTheThreshold(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        // Every attempt is started before any is finished, as a burst of guesses would be.
        var attempts: [LoginAttempt] = []
        for _ in 0..<20 { attempts.append(try await f.store.beginLogin(.account(account), sources: [source], policy: policy, now: f.now)) }
        #expect(attempts.filter { $0.hashToVerify != nil }.count == policy.lockoutThreshold)
        var locks = 0
        for attempt in attempts where try await f.store.recordLoginFailure(attempt, sources: [source], policy: policy, now: f.now) { locks += 1 }
        #expect(locks == 1)
        #expect(try await f.store.registration(id: rep)?.isLocked(at: f.now) == true)
    }

    @Test(arguments: StoreBackendKind.all)
    func aSuccessGivesTheAttemptsBack(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        for _ in 0..<3 { _ = try await failedLogin(f, .account(account)) }
        let attempt = try await f.store.beginLogin(.account(account), sources: [source], policy: policy, now: f.now)
        #expect(try await f.store.account(id: account)?.failedAttempts == 4)
        _ = try await f.login(account, id: "s", hash: try #require(attempt.hashToVerify))
        #expect(try await f.store.account(id: account)?.failedAttempts == 0)
    }

    @Test(arguments: StoreBackendKind.all)
    func aRefusedAttemptWritesTheSameWhateverThePassword(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        for _ in 0..<5 { _ = try await failedLogin(f, .account(account)) }
        // Locked: the attempt is refused before any verification, so right and wrong passwords
        // cannot be told apart by what is written.
        let before = try await f.auditCount()
        let (attempt, _) = try await failedLogin(f, .account(account))
        #expect(attempt.hashToVerify == nil)
        #expect(try await f.auditCount() == before + 1)
        let last = try #require(try await f.lastAuditEvent())
        #expect(last.action == .loginFailed && last.targetAccountId == account && last.after == #"{"refused":"locked"}"#)
    }

    @Test(arguments: StoreBackendKind.all)
    func aSourceFailingTooOftenIsSpacedOutHoweverManyRunAtOnce(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let throttled = LoginPolicy(lockoutThreshold: 5, lockoutDuration: 900, peerThreshold: 3, sourceWindow: 60, baseDelay: 0.5, maxDelay: 2, maxWait: 3)
        var turns: [TimeInterval] = []
        var refused: [Bool] = []
        for i in 0..<8 {
            let attempt = try await f.store.beginLogin(.username(try Username("nobody\(i)")), sources: [source], policy: throttled, now: f.now)
            turns.append(attempt.notBefore.timeIntervalSince(f.now))
            refused.append(attempt.throttled)
            try await f.store.recordLoginFailure(attempt, sources: [source], policy: throttled, now: f.now)
        }
        // All at the same instant, as a parallel spray would be: each takes the next turn.
        #expect(turns == [0, 0, 0, 0, 0.5, 1.5, 3.5, 5.5])
        #expect(refused == [false, false, false, false, false, false, true, true])
        // Another source is not slowed down, and the window forgets.
        #expect(try await f.store.beginLogin(.username(nil), sources: [.peer(uid: 7)], policy: throttled, now: f.now).notBefore == f.now)
        let later = f.now.addingTimeInterval(61)
        #expect(try await f.store.beginLogin(.username(nil), sources: [source], policy: throttled, now: later).notBefore == later)
    }

    @Test(arguments: StoreBackendKind.all)
    func anAddressIsThrottledSoonerThanAPeer(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let policy = LoginPolicy(addressThreshold: 2, peerThreshold: 100, baseDelay: 1)
        let sources: [LoginSource] = [.address("192.0.2.7"), source]
        for _ in 0..<2 {
            let attempt = try await f.store.beginLogin(.username(nil), sources: sources, policy: policy, now: f.now)
            try await f.store.recordLoginFailure(attempt, sources: sources, policy: policy, now: f.now)
        }
        _ = try await f.store.beginLogin(.username(nil), sources: sources, policy: policy, now: f.now)
        #expect(try await f.store.beginLogin(.username(nil), sources: sources, policy: policy, now: f.now).notBefore > f.now)
        // The same peer for another end user's address is not slowed down.
        #expect(try await f.store.beginLogin(.username(nil), sources: [.address("192.0.2.8"), source], policy: policy, now: f.now).notBefore == f.now)
    }

    @Test(arguments: StoreBackendKind.all)
    func anAttemptNeverSettledIsForgottenAfterALockout(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        // Five attempts started and never finished (the daemon died, say).
        for _ in 0..<5 { _ = try await f.store.beginLogin(.account(account), sources: [source], policy: policy, now: f.now) }
        #expect(try await f.store.beginLogin(.account(account), sources: [source], policy: policy, now: f.now).hashToVerify == nil)
        let later = f.now.addingTimeInterval(policy.lockoutDuration)
        #expect(try await f.store.beginLogin(.account(account), sources: [source], policy: policy, now: later).hashToVerify != nil)
    }

    @Test(arguments: StoreBackendKind.all)
    func aReleasedAttemptIsGivenBack(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        let attempt = try await f.store.beginLogin(.account(account), sources: [source], policy: policy, now: f.now)
        #expect(try await f.store.account(id: account)?.failedAttempts == 1)
        try await f.store.releaseLoginAttempt(attempt)
        #expect(try await f.store.account(id: account)?.failedAttempts == 0)
    }

    @Test(arguments: StoreBackendKind.all)
    func aPendingOrRevokedPersonGetsNoVerification(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let pending = try await f.register(rep, "pending", .adminFull, activate: false)
        #expect(try await f.store.beginLogin(.username(try Username("pending")), sources: [source], policy: policy, now: f.now).hashToVerify == nil)
        let gone = try await f.register(rep, "gone", .adminFull)
        _ = try await f.store.revoke(actor: try await f.actor(rep), targetID: gone, reason: nil, now: f.now)
        #expect(try await f.store.beginLogin(.username(try Username("gone")), sources: [source], policy: policy, now: f.now).hashToVerify == nil)
        _ = pending
    }

    @Test(arguments: StoreBackendKind.all)
    func sessionLimitEndsTheOldest(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        var ended: [SessionRecord] = []
        for i in 0..<4 {
            ended += try await f.login(account, id: "s\(i)", at: f.now.addingTimeInterval(Double(i)), maxSessions: 3).endedSessions
        }
        #expect(ended.map(\.id) == ["s0"])
        #expect(try await f.store.sessions(accountID: account).count == 3)
    }

    @Test(arguments: StoreBackendKind.all)
    func aLoginNeverEndsItsOwnSession(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        // A login that arrived earlier but commits later must keep its own new session.
        _ = try await f.login(account, id: "early", at: f.now.addingTimeInterval(5), maxSessions: 1)
        let ended = try await f.login(account, id: "late", at: f.now, maxSessions: 1).endedSessions
        #expect(ended.map(\.id) == ["early"])
        #expect(try await f.store.sessions(accountID: account).map(\.id) == ["late"])
    }

    @Test(arguments: StoreBackendKind.all)
    func aPasswordChangedSinceVerificationRefusesTheLogin(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        #expect(await f.code { try await f.login(account, id: "s", hash: "old-hash") } == .unauthenticated)
        #expect(await f.code { try await f.store.changePassword(accountID: account, verifiedPasswordHash: "old-hash", passwordHash: "new", keepSessionID: nil, now: f.now) } == .failedPrecondition)
    }

    @Test(arguments: StoreBackendKind.all)
    func everyLoginFailureIsOneAuditedWrite(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let before = try await f.auditCount()
        #expect(try await failedLogin(f, .username(nil)).locked == false)
        #expect(try await failedLogin(f, .username(try Username("nobody"))).locked == false)
        #expect(try await f.auditCount() == before + 2)
    }

    @Test(arguments: StoreBackendKind.all)
    func signingOutEverywhereElseKeepsTheCurrentSession(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        for i in 0..<3 { _ = try await f.login(account, id: "other\(i)") }
        let actor = try await f.actor(rep)
        let ended = try await f.store.endOtherSessions(caller: actor, now: f.now)
        #expect(Set(ended.map(\.id)) == ["other0", "other1", "other2"])
        #expect(try await f.store.sessions(accountID: account).map(\.id) == [actor.sessionID])
    }

    @Test(arguments: StoreBackendKind.all)
    func aManagerEndsSessionsOfThoseTheyManageOnly(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let full = try await f.register(rep, "full", .adminFull)
        let user = try await f.register(rep, "user", .user, line: "+393330000001")
        _ = try await f.login(try await f.account(ofRegistration: user), id: "u1")
        let (_, listed) = try await f.store.userSessions(actor: try await f.actor(full), targetID: user, now: f.now)
        #expect(listed.map(\.id) == ["u1"])
        let (_, ended) = try await f.store.endUserSessions(actor: try await f.actor(full), targetID: user, now: f.now)
        #expect(ended.map(\.id) == ["u1"])
        #expect(try await f.store.registration(id: user)?.status == .active)
        #expect(await f.code { try await f.store.endUserSessions(actor: try await f.actor(full), targetID: rep, now: f.now) } == .permissionDenied)
    }

    @Test(arguments: StoreBackendKind.all)
    func expiredSessionsArePurgedAndPublished(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let (_, rep) = try await f.company()
        let account = try await f.account(ofRegistration: rep)
        _ = try await f.login(account, id: "old")
        let published = Locked<[StoreChange]>([])
        f.store.changes.subscribe { changes in published.withLock { $0 += changes } }
        let purged = try await f.store.deleteExpiredSessions(now: f.now.addingTimeInterval(7200), lifetime: SessionLifetime(idleTimeout: 60))
        #expect(purged.contains { $0.id == "old" })
        #expect(published.withLock { $0 }.contains(.sessions(purged.map(\.tokenHash))))
    }
}
