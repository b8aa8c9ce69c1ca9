import Foundation
import Synchronization
import WebProfilesDomain
import WebProfilesStore

/// The in-memory view of sessions and of what authorization reads (principals, company lines),
/// so that validating a session costs no database access once warm, and never a write.
///
/// The daemon is the only writer of its database: every change goes through the services,
/// which invalidate the entries they touch after their transaction commits. A load that raced
/// with an invalidation is discarded (``generation``), so a profile change or revocation is
/// seen by the next call of every session.
final class AuthorizationCache: Sendable {
    struct CachedSession: Sendable {
        var id: String
        var registrationID: String
        var createdAt: Date
        var expiresAt: Date
        var lastSeenAt: Date
    }

    private struct State {
        var generation: UInt64 = 0
        var sessions: [String: CachedSession] = [:]
        /// The last uses not yet written to the database, by session id: the periodic flush
        /// swaps this out whole, so it never scans sessions under the lock the event loops take
        /// on every call.
        var dirty: [String: Date] = [:]
        var tokensByRegistration: [String: Set<String>] = [:]
        var principals: [String: CachedPrincipal] = [:]
        var companyLines: [String: [String: LineKind]] = [:]

        mutating func cache(_ record: SessionRecord) {
            sessions[record.tokenHash] = CachedSession(
                id: record.id, registrationID: record.registrationId, createdAt: record.createdAt,
                expiresAt: record.expiresAt, lastSeenAt: record.lastSeenAt
            )
            tokensByRegistration[record.registrationId, default: []].insert(record.tokenHash)
        }

        mutating func forget(tokenHash: String) {
            guard let session = sessions.removeValue(forKey: tokenHash) else { return }
            tokensByRegistration[session.registrationID]?.remove(tokenHash)
            if tokensByRegistration[session.registrationID]?.isEmpty == true {
                tokensByRegistration.removeValue(forKey: session.registrationID)
            }
        }
    }

    private let state = Mutex(State())

    init() {}

    /// A stamp to pass to the `insert` calls of a load, so a load that raced with an
    /// invalidation does not bring back stale data.
    var generation: UInt64 { state.withLock { $0.generation } }

    var sessionCount: Int { state.withLock { $0.sessions.count } }

    // MARK: Sessions

    func insert(_ record: SessionRecord, loadedAt generation: UInt64? = nil) {
        state.withLock { state in
            if let generation, generation != state.generation { return }
            state.cache(record)
        }
    }

    /// What ``use(tokenHash:at:lifetime:)`` found.
    enum Use {
        /// Not in memory: load it from the database.
        case unknown
        /// Past its lifetime or idle timeout; forgotten.
        case expired
        /// Live; marked used at `now` (written in batches by ``takeDirty()``).
        case live(CachedSession)
    }

    /// Looks a session up, checks its expiry and marks it used, under one lock: the whole
    /// in-memory part of validating a session.
    func use(tokenHash: String, at now: Date, lifetime: SessionLifetime) -> Use {
        state.withLock { state in
            guard var session = state.sessions[tokenHash] else { return .unknown }
            guard lifetime.isLive(expiresAt: session.expiresAt, lastSeenAt: session.lastSeenAt, at: now) else {
                state.generation &+= 1
                state.forget(tokenHash: tokenHash)
                return .expired
            }
            session.lastSeenAt = now
            state.sessions[tokenHash] = session
            state.dirty[session.id] = now
            return .live(session)
        }
    }

    /// A login: forgets the sessions it ended and caches the one it started, under one lock, so
    /// the login's own removals do not count as a change that happened meanwhile. The new
    /// session is cached only if nothing else changed since `generation` was read (before the
    /// login's transaction).
    func replaceSessions(ending endedHashes: [String], with record: SessionRecord, loadedAt generation: UInt64) {
        state.withLock { state in
            let unchanged = state.generation == generation
            state.generation &+= 1
            for hash in endedHashes { state.forget(tokenHash: hash) }
            if unchanged { state.cache(record) }
        }
    }

    func removeSessions(tokenHashes: some Sequence<String>) {
        state.withLock { state in
            state.generation &+= 1
            for hash in tokenHashes { state.forget(tokenHash: hash) }
        }
    }

    func removeSessions(ofRegistration registrationID: String) {
        state.withLock { state in
            state.generation &+= 1
            for hash in state.tokensByRegistration.removeValue(forKey: registrationID) ?? [] {
                state.sessions.removeValue(forKey: hash)
            }
        }
    }

    /// The last-use times not yet written, marked clean.
    func takeDirty() -> [String: Date] {
        state.withLock { state in
            defer { state.dirty = [:] }
            return state.dirty
        }
    }

    /// Puts back last uses a flush could not write, unless newer ones were noted since.
    func restoreDirty(_ uses: [String: Date]) {
        state.withLock { state in
            state.dirty.merge(uses) { newer, _ in newer }
        }
    }

    /// Sessions of `registrationID` known in memory, by id, with their last use.
    func lastSeen(ofRegistration registrationID: String) -> [String: Date] {
        state.withLock { state in
            var result: [String: Date] = [:]
            for hash in state.tokensByRegistration[registrationID] ?? [] {
                if let s = state.sessions[hash] { result[s.id] = s.lastSeenAt }
            }
            return result
        }
    }

    // MARK: Principals and lines

    func principal(registrationID: String) -> CachedPrincipal? {
        state.withLock { $0.principals[registrationID] }
    }

    func insert(_ principal: CachedPrincipal, loadedAt generation: UInt64) {
        state.withLock { state in
            guard generation == state.generation else { return }
            state.principals[principal.registrationID] = principal
        }
    }

    /// Forgets a registration's cached facts (its next use reloads them).
    func invalidatePrincipal(_ registrationID: String) {
        state.withLock { state in
            state.generation &+= 1
            state.principals.removeValue(forKey: registrationID)
        }
    }

    func lines(companyID: String) -> [String: LineKind]? {
        state.withLock { $0.companyLines[companyID] }
    }

    func insert(lines: [String: LineKind], companyID: String, loadedAt generation: UInt64) {
        state.withLock { state in
            guard generation == state.generation else { return }
            state.companyLines[companyID] = lines
        }
    }

    func invalidateLines(companyID: String) {
        state.withLock { state in
            state.generation &+= 1
            state.companyLines.removeValue(forKey: companyID)
        }
    }
}
