import Foundation
import Synchronization
import WebProfilesDomain
import WebProfilesStore

/// The in-memory view of sessions and of what authorization reads (accounts with their
/// principals per company, company lines), so that validating a session costs no database access
/// once warm, and never a write.
///
/// It follows what the store committed: ``apply(_:)`` hears every batch of ``StoreChange``s
/// (the store publishes them after each commit; with a shared database, other daemons' too) and
/// forgets what they touched. Loads take a ticket first (``GuardedCache``), so a load that raced
/// with a change never brings back what the change removed: a profile change or revocation is
/// seen by the next call of every session.
final class AuthorizationCache: Sendable {
    struct CachedSession: Sendable {
        var id: String
        var accountID: String
        var createdAt: Date
        var expiresAt: Date
        var lastSeenAt: Date
        var selectedCompanyID: String?
        var requiredAction: RequiredAction?

        init(_ record: SessionRecord) {
            id = record.id
            accountID = record.accountId
            createdAt = record.createdAt
            expiresAt = record.expiresAt
            lastSeenAt = record.lastSeenAt
            selectedCompanyID = record.selectedCompanyId
            requiredAction = record.requiredAction.flatMap(RequiredAction.init(rawValue:))
        }
    }

    private struct State: Sendable {
        var sessions = GuardedCache<SessionTokenHash, CachedSession>()
        /// The last uses not yet written to the database, by session id: the periodic flush
        /// swaps this out whole, so it never scans sessions under the lock the event loops take
        /// on every call.
        var dirty: [String: Date] = [:]
        var tokensByAccount: [String: Set<SessionTokenHash>] = [:]
        var accounts = GuardedCache<String, CachedAccount>()
        /// The accounts cached with a membership in each company (a company's change reaches
        /// them: its name is in their principals).
        var accountsByCompany: [String: Set<String>] = [:]
        var companyLines = GuardedCache<String, [String: LineKind]>()

        mutating func indexSession(_ tokenHash: SessionTokenHash) {
            guard let session = sessions[tokenHash] else { return }
            tokensByAccount[session.accountID, default: []].insert(tokenHash)
        }

        mutating func forget(tokenHash: SessionTokenHash) {
            guard let session = sessions.invalidate(tokenHash) else { return }
            tokensByAccount[session.accountID]?.remove(tokenHash)
            if tokensByAccount[session.accountID]?.isEmpty == true { tokensByAccount.removeValue(forKey: session.accountID) }
        }

        /// Looks a session up, checks its expiry and marks it used.
        mutating func use(_ tokenHash: SessionTokenHash, at now: Date, lifetime: SessionLifetime) -> Use {
            guard let session = sessions[tokenHash] else { return .unknown }
            guard lifetime.isLive(expiresAt: session.expiresAt, lastSeenAt: session.lastSeenAt, at: now) else {
                forget(tokenHash: tokenHash)
                return .expired
            }
            sessions.modify(tokenHash) { $0.lastSeenAt = now }
            dirty[session.id] = now
            var used = session
            used.lastSeenAt = now
            return .live(used)
        }

        mutating func indexAccount(_ accountID: String) {
            guard let account = accounts[accountID] else { return }
            for companyID in account.companyIDs { accountsByCompany[companyID, default: []].insert(accountID) }
        }

        mutating func forget(accountID: String) {
            guard let account = accounts.invalidate(accountID) else { return }
            for companyID in account.companyIDs {
                accountsByCompany[companyID]?.remove(accountID)
                if accountsByCompany[companyID]?.isEmpty == true { accountsByCompany.removeValue(forKey: companyID) }
            }
        }
    }

    private let state = Mutex(State())

    init() {}

    var sessionCount: Int { state.withLock { $0.sessions.count } }

    /// Forgets what committed changes touched.
    func apply(_ changes: [StoreChange]) {
        state.withLock { state in
            for change in changes {
                switch change {
                case .account(let id):
                    state.forget(accountID: id)
                case .company(let id):
                    state.companyLines.invalidate(id)
                    for accountID in state.accountsByCompany[id] ?? [] { state.forget(accountID: accountID) }
                case .sessions(let hashes):
                    // The store names sessions by the hex form of their hash.
                    for hash in hashes { if let key = SessionTokenHash(hex: hash) { state.forget(tokenHash: key) } }
                case .all:
                    state.sessions.invalidateAll()
                    state.tokensByAccount = [:]
                    state.accounts.invalidateAll()
                    state.accountsByCompany = [:]
                    state.companyLines.invalidateAll()
                }
            }
        }
    }

    // MARK: Sessions

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
    func use(tokenHash: SessionTokenHash, at now: Date, lifetime: SessionLifetime) -> Use {
        state.withLock { $0.use(tokenHash, at: now, lifetime: lifetime) }
    }

    /// ``use(tokenHash:at:lifetime:)`` and, for a live session, its account, under one lock
    /// (the hot path takes the cache's lock once).
    func useWithAccount(tokenHash: SessionTokenHash, at now: Date, lifetime: SessionLifetime) -> (Use, CachedAccount?) {
        state.withLock { state in
            let use = state.use(tokenHash, at: now, lifetime: lifetime)
            guard case .live(let session) = use else { return (use, nil) }
            return (use, state.accounts[session.accountID])
        }
    }

    /// Notes a use of a session known only from the database (the caches bypassed), for the
    /// next flush.
    func noteUse(sessionID: String, at now: Date) {
        state.withLock { $0.dirty[sessionID] = now }
    }

    func beginSessionLoad(_ tokenHash: SessionTokenHash) -> GuardedCache<SessionTokenHash, CachedSession>.Ticket {
        state.withLock { $0.sessions.beginLoad(tokenHash) }
    }

    /// Caches a session read from the database (or just written by a login), unless a change
    /// touched it since the ticket was taken.
    /// Returns whether the load is still current (see ``GuardedCache/finishLoad(_:with:)``).
    @discardableResult
    func finishSessionLoad(_ ticket: GuardedCache<SessionTokenHash, CachedSession>.Ticket, _ record: SessionRecord?) -> Bool {
        state.withLock { state in
            let fresh = state.sessions.finishLoad(ticket, with: record.map(CachedSession.init))
            if fresh, record != nil { state.indexSession(ticket.key) }
            return fresh
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

    /// Sessions of an account known in memory, by id, with their last use.
    func lastSeen(ofAccount accountID: String) -> [String: Date] {
        state.withLock { state in
            var result: [String: Date] = [:]
            for hash in state.tokensByAccount[accountID] ?? [] {
                if let s = state.sessions[hash] { result[s.id] = s.lastSeenAt }
            }
            return result
        }
    }

    // MARK: Accounts and lines

    func account(_ accountID: String) -> CachedAccount? {
        state.withLock { $0.accounts[accountID] }
    }

    func beginAccountLoad(_ accountID: String) -> GuardedCache<String, CachedAccount>.Ticket {
        state.withLock { $0.accounts.beginLoad(accountID) }
    }

    /// Returns whether the load is still current.
    @discardableResult
    func finishAccountLoad(_ ticket: GuardedCache<String, CachedAccount>.Ticket, _ account: CachedAccount?) -> Bool {
        state.withLock { state in
            let fresh = state.accounts.finishLoad(ticket, with: account)
            if fresh, let account { state.indexAccount(account.accountID) }
            return fresh
        }
    }

    func lines(companyID: String) -> [String: LineKind]? {
        state.withLock { $0.companyLines[companyID] }
    }

    func beginLinesLoad(_ companyID: String) -> GuardedCache<String, [String: LineKind]>.Ticket {
        state.withLock { $0.companyLines.beginLoad(companyID) }
    }

    /// Returns whether the load is still current.
    @discardableResult
    func finishLinesLoad(_ ticket: GuardedCache<String, [String: LineKind]>.Ticket, _ lines: [String: LineKind]?) -> Bool {
        state.withLock { $0.companyLines.finishLoad(ticket, with: lines) }
    }
}
