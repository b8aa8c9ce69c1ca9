import Foundation
import Testing
import WebProfilesDomain
@testable import WebProfilesServer
import WebProfilesStore

/// The in-memory session cache: uses are remembered for the periodic flush, once each.
@Suite("Session cache")
struct AuthorizationCacheTests {
    static func record(_ id: String, hash: String, at now: Date) -> SessionRecord {
        SessionRecord(id: id, registrationId: "r-\(id)", tokenHash: hash, createdAt: now, expiresAt: now.addingTimeInterval(3600), lastSeenAt: now)
    }

    @Test func usesAreFlushedOnceWithTheirLatestTime() {
        let cache = AuthorizationCache()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        cache.insert(Self.record("a", hash: "ha", at: start))
        cache.insert(Self.record("b", hash: "hb", at: start))
        #expect(cache.takeDirty().isEmpty, "loading a session is not a use")
        _ = cache.use(tokenHash: "ha", at: start.addingTimeInterval(1), lifetime: SessionLifetime(idleTimeout: 60))
        _ = cache.use(tokenHash: "ha", at: start.addingTimeInterval(2), lifetime: SessionLifetime(idleTimeout: 60))
        _ = cache.use(tokenHash: "hb", at: start.addingTimeInterval(3), lifetime: SessionLifetime(idleTimeout: 60))
        #expect(cache.takeDirty() == ["a": start.addingTimeInterval(2), "b": start.addingTimeInterval(3)])
        #expect(cache.takeDirty().isEmpty)
    }

    @Test func expiredSessionsAreForgottenAtTheirNextUse() {
        let cache = AuthorizationCache()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        cache.insert(Self.record("a", hash: "ha", at: start))
        guard case .expired = cache.use(tokenHash: "ha", at: start.addingTimeInterval(61), lifetime: SessionLifetime(idleTimeout: 60)) else {
            Issue.record("an idle session was still live"); return
        }
        guard case .unknown = cache.use(tokenHash: "ha", at: start.addingTimeInterval(62), lifetime: SessionLifetime(idleTimeout: 60)) else {
            Issue.record("an expired session stayed cached"); return
        }
        #expect(cache.sessionCount == 0)
    }
}

extension AuthorizationCacheTests {
    @Test func aLoginCachesItsSessionUnlessSomethingChangedMeanwhile() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let cache = AuthorizationCache()
        cache.insert(Self.record("old", hash: "hold", at: start))
        // Nothing else happened: the ended session goes, the new one is cached.
        cache.replaceSessions(ending: ["hold"], with: Self.record("new", hash: "hnew", at: start), loadedAt: cache.generation)
        #expect(cache.sessionCount == 1)
        guard case .live = cache.use(tokenHash: "hnew", at: start, lifetime: SessionLifetime(idleTimeout: 60)) else { Issue.record("new session not cached"); return }

        // A revocation between the login's transaction and the cache update: not cached.
        let before = cache.generation
        cache.removeSessions(ofRegistration: "r-x")
        cache.replaceSessions(ending: [], with: Self.record("x", hash: "hx", at: start), loadedAt: before)
        guard case .unknown = cache.use(tokenHash: "hx", at: start, lifetime: SessionLifetime(idleTimeout: 60)) else { Issue.record("raced session cached"); return }
    }
}
