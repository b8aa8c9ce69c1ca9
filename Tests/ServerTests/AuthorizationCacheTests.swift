import Foundation
import Testing
import WebProfilesAPI
import WebProfilesDomain
@testable import WebProfilesServer
import WebProfilesStore
import WebProfilesWire

/// The in-memory cache: uses are remembered for the periodic flush, once each; committed
/// changes make it forget; a load that raced with a change brings nothing back.
@Suite("Authorization cache")
struct AuthorizationCacheTests {
    /// The cache key of the session whose token is `token`.
    static func key(_ token: String) -> SessionTokenHash { SessionTokenHash(token: token) }

    static func record(_ id: String, hash: String, account: String? = nil, at now: Date) -> SessionRecord {
        SessionRecord(id: id, accountId: account ?? "a-\(id)", tokenHash: key(hash).hex, createdAt: now, expiresAt: now.addingTimeInterval(3600),
                      lastSeenAt: now)
    }

    static func load(_ cache: AuthorizationCache, _ record: SessionRecord) {
        cache.finishSessionLoad(cache.beginSessionLoad(SessionTokenHash(hex: record.tokenHash)!), record)
    }

    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let lifetime = SessionLifetime(idleTimeout: 60)

    @Test func tokenHashesKeepTheDatabaseForm() {
        for token in ["wps_" + String(repeating: "A", count: 43), "", "é"] {
            let key = SessionTokenHash(token: token)
            #expect(key.hex == Secrets.sha256Hex(token))
            #expect(SessionTokenHash(hex: key.hex) == key)
        }
        #expect(SessionTokenHash(hex: String(repeating: "g", count: 64)) == nil)
        #expect(SessionTokenHash(hex: String(repeating: "A", count: 64)) == nil, "only the lowercase form the store writes")
        #expect(SessionTokenHash(hex: "ab") == nil)
        #expect(SessionTokenHash(token: "a") != SessionTokenHash(token: "b"))
    }

    @Test func usesAreFlushedOnceWithTheirLatestTime() {
        let cache = AuthorizationCache()
        Self.load(cache, Self.record("a", hash: "ha", at: start))
        Self.load(cache, Self.record("b", hash: "hb", at: start))
        #expect(cache.pendingUses().uses.isEmpty, "loading a session is not a use")
        _ = cache.use(tokenHash: Self.key("ha"), at: start.addingTimeInterval(1), lifetime: lifetime)
        _ = cache.use(tokenHash: Self.key("ha"), at: start.addingTimeInterval(2), lifetime: lifetime)
        _ = cache.use(tokenHash: Self.key("hb"), at: start.addingTimeInterval(3), lifetime: lifetime)
        let pending = cache.pendingUses()
        #expect(pending.uses == ["a": start.addingTimeInterval(2), "b": start.addingTimeInterval(3)])
        cache.markWritten(pending)
        #expect(cache.pendingUses().uses.isEmpty)
    }

    /// A listing of sessions sees the last uses memory noted and the database does not have yet:
    /// pending, being written by a flush, or left by a failed one; a use noted during a flush
    /// outlives it.
    @Test func listingsSeeUsesNotYetWritten() {
        let cache = AuthorizationCache()
        Self.load(cache, Self.record("a", hash: "ha", at: start))
        _ = cache.use(tokenHash: Self.key("ha"), at: start.addingTimeInterval(5), lifetime: lifetime)
        cache.noteUse(sessionID: "b", tokenHash: Self.key("hb"), at: start.addingTimeInterval(6))
        let both = ["a": start.addingTimeInterval(5), "b": start.addingTimeInterval(6)]
        #expect(cache.lastSeen(sessionIDs: ["a", "b", "c"]) == both)
        let failed = cache.pendingUses()
        #expect(failed.uses == both)
        // The write failed: nothing is forgotten.
        #expect(cache.lastSeen(sessionIDs: ["a", "b"]) == both)
        let flushing = cache.pendingUses()
        #expect(flushing.uses == both)
        _ = cache.use(tokenHash: Self.key("ha"), at: start.addingTimeInterval(7), lifetime: lifetime)
        cache.markWritten(flushing)
        #expect(cache.lastSeen(sessionIDs: ["a", "b"]) == ["a": start.addingTimeInterval(7)], "the newer use stays")
        #expect(cache.pendingUses().uses == ["a": start.addingTimeInterval(7)])
    }

    /// A session loaded again (after a change to it) keeps a use memory noted and the database
    /// does not have yet: it is not judged idle on the database's older time.
    @Test func aReloadKeepsAPendingUse() {
        let cache = AuthorizationCache()
        Self.load(cache, Self.record("a", hash: "ha", at: start))
        _ = cache.use(tokenHash: Self.key("ha"), at: start.addingTimeInterval(50), lifetime: lifetime)
        cache.apply([.sessions([Self.key("ha").hex])])
        Self.load(cache, Self.record("a", hash: "ha", at: start))
        guard case .live = cache.use(tokenHash: Self.key("ha"), at: start.addingTimeInterval(100), lifetime: lifetime) else {
            Issue.record("the reloaded session was judged on the database's last use"); return
        }
    }

    /// Many sessions spread over the shards are each found, used and forgotten on their own.
    @Test func sessionsSpreadOverTheShards() {
        let cache = AuthorizationCache()
        for i in 0..<200 { Self.load(cache, Self.record("s\(i)", hash: "h\(i)", account: "a\(i % 7)", at: start)) }
        #expect(cache.sessionCount == 200)
        cache.apply([.sessions((0..<200).filter { $0 % 2 == 0 }.map { Self.key("h\($0)").hex })])
        #expect(cache.sessionCount == 100)
        for i in 0..<200 {
            let use = cache.use(tokenHash: Self.key("h\(i)"), at: start.addingTimeInterval(1), lifetime: lifetime)
            if case .live(let session) = use { #expect(i % 2 == 1 && session.id == CompactID("s\(i)")) } else { #expect(i % 2 == 0) }
        }
        #expect(cache.pendingUses().uses.count == 100)
        cache.apply([.all])
        #expect(cache.sessionCount == 0)
    }

    @Test func expiredSessionsAreForgottenAtTheirNextUse() {
        let cache = AuthorizationCache()
        Self.load(cache, Self.record("a", hash: "ha", at: start))
        guard case .expired = cache.use(tokenHash: Self.key("ha"), at: start.addingTimeInterval(61), lifetime: lifetime) else {
            Issue.record("an idle session was still live"); return
        }
        guard case .unknown = cache.use(tokenHash: Self.key("ha"), at: start.addingTimeInterval(62), lifetime: lifetime) else {
            Issue.record("an expired session stayed cached"); return
        }
        #expect(cache.sessionCount == 0)
    }

    @Test func aLoadThatRacedWithAChangeCachesNothing() {
        let cache = AuthorizationCache()
        let record = Self.record("x", hash: "hx", at: start)
        // Read from the database, then the session is ended and the change published, then the
        // load finishes: the ended session must not come back.
        let ticket = cache.beginSessionLoad(Self.key("hx"))
        cache.apply([.sessions([Self.key("hx").hex])])
        cache.finishSessionLoad(ticket, record)
        guard case .unknown = cache.use(tokenHash: Self.key("hx"), at: start, lifetime: lifetime) else { Issue.record("raced session cached"); return }
        // A change to another session does not spoil the load.
        let fresh = cache.beginSessionLoad(Self.key("hx"))
        cache.apply([.sessions([Self.key("other").hex]), .account("someone-else")])
        cache.finishSessionLoad(fresh, record)
        guard case .live = cache.use(tokenHash: Self.key("hx"), at: start, lifetime: lifetime) else { Issue.record("fresh load not cached"); return }
    }

    @Test func committedChangesForgetWhatTheyTouched() throws {
        let cache = AuthorizationCache()
        let principal = try CachedPrincipal(RegistrationRecord(
            membership: MembershipRecord(id: "m", accountId: "acc", companyId: "co", displayName: "D", email: "d@e.it", profile: .adminFull,
                                         referent: nil, line: nil, status: .active, invited: false, activationCodeHash: nil, activationExpiresAt: nil,
                                         searchText: "", createdAt: start, updatedAt: start),
            account: AccountRecord(id: "acc", username: "d", displayName: "D", email: "d@e.it", createdAt: start, updatedAt: start)),
            company: cache.company(id: "co", name: "Co"))
        let account = CachedAccount(principals: [principal])
        let acc = CompactID("acc"), co = CompactID("co")
        cache.finishAccountLoad(cache.beginAccountLoad(acc), account)
        cache.finishLinesLoad(cache.beginLinesLoad(co), ["+393330000001": .mobile])
        #expect(cache.account(acc) != nil && cache.lines(companyID: co) != nil)
        // A change of the company reaches the accounts with a membership there (its name is in their principals).
        cache.apply([.company("co")])
        #expect(cache.account(acc) == nil && cache.lines(companyID: co) == nil)
        cache.finishAccountLoad(cache.beginAccountLoad(acc), account)
        cache.apply([.account("acc")])
        #expect(cache.account(acc) == nil)
        // A company's change overtakes the loads of accounts in flight: any may be a member.
        let ticket = cache.beginAccountLoad(acc)
        cache.apply([.company("another")])
        #expect(!cache.finishAccountLoad(ticket, account))
        #expect(cache.account(acc) == nil)
    }

    static func registration(_ id: String, account: String, company: String) -> RegistrationRecord {
        RegistrationRecord(
            membership: MembershipRecord(id: id, accountId: account, companyId: company, displayName: "D", email: "d@e.it", profile: .user,
                                         referent: nil, line: "+393330000001", status: .active, invited: false, activationCodeHash: nil,
                                         activationExpiresAt: nil, searchText: "", createdAt: Date(timeIntervalSince1970: 0),
                                         updatedAt: Date(timeIntervalSince1970: 0)),
            account: AccountRecord(id: account, username: account, displayName: "D", email: "d@e.it", createdAt: Date(timeIntervalSince1970: 0),
                                   updatedAt: Date(timeIntervalSince1970: 0)))
    }

    /// A company's id and name are held once for all its members in memory; a renamed company is
    /// a new one; one no principal refers to any more is swept.
    @Test func membersShareTheirCompany() throws {
        let cache = AuthorizationCache()
        let companyID = "684bcfc5-bf5e-4898-9f3c-8295f496f8d9"
        let first = try CachedPrincipal(Self.registration("r1", account: "a1", company: companyID),
                                                          company: cache.company(id: companyID, name: "Rossi S.r.l."))
        let second = try CachedPrincipal(Self.registration("r2", account: "a2", company: companyID),
                                                           company: cache.company(id: companyID, name: "Rossi S.r.l."))
        #expect(first.company === second.company)
        #expect(try first.principal.companyName == "Rossi S.r.l." && second.principal.companyId == companyID)
        let renamed = try CachedPrincipal(Self.registration("r3", account: "a3", company: companyID),
                                          company: cache.company(id: companyID, name: "Rossi S.p.A."))
        #expect(renamed.company !== first.company)
        #expect(try renamed.principal.companyName == "Rossi S.p.A.")
        // A principal's company must be its registration's.
        #expect(throws: RPCError.self) {
            try CachedPrincipal(Self.registration("r4", account: "a4", company: "other"), company: SharedCompany(id: companyID, name: "X"))
        }
        // The renamed company took the old one's place in the table.
        #expect(cache.companies.count == 1)
        // One held by the table alone is swept; one a principal holds is kept.
        _ = try cache.company(id: "7a1c0c3e-0000-4000-8000-000000000001", name: "Unused")
        #expect(cache.companies.count == 2)
        withExtendedLifetime(renamed) {
            cache.companies.sweep()
            #expect(cache.companies.count == 1)
        }
    }

    /// The shards sweep themselves as they grow: interning many companies nobody keeps leaves
    /// about as many as the first sweep's threshold, not all of them.
    @Test func sharedCompaniesStayBoundedByTheirUse() throws {
        let cache = AuthorizationCache()
        for index in 0..<10_000 { _ = try cache.company(id: "company-\(index)", name: "Company \(index)") }
        #expect(cache.companies.count <= SharedCompanies.firstSweep * AuthorizationCache.shardCount)
        cache.apply([.all])
        #expect(cache.companies.count == 0)
    }
}

@Suite("Guarded cache")
struct GuardedCacheTests {
    @Test func ticketsOfInvalidatedKeysInsertNothingAndTheBookkeepingEmpties() {
        var cache = GuardedCache<String, Int>()
        let first = cache.beginLoad("k")
        let second = cache.beginLoad("k")
        cache.invalidate("k")
        let third = cache.beginLoad("k")
        let firstCached = cache.finishLoad(first, with: 1)
        let thirdCached = cache.finishLoad(third, with: 3)
        let secondCached = cache.finishLoad(second, with: 2)
        #expect(!firstCached && thirdCached && !secondCached)
        #expect(cache["k"] == 3)
        #expect(cache.loadsInFlight == 0)
        // An invalidation with no load in flight leaves no trace.
        cache.invalidate("other")
        #expect(cache.loadsInFlight == 0)
    }
}
