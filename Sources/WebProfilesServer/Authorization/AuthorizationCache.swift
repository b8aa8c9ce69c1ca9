import Foundation
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
///
/// Sessions, accounts and company lines each live in ``shardCount`` shards under their own
/// locks (``LockShards``), chosen by the key: the hot path takes one session shard's lock and one
/// account shard's, each held for a dictionary lookup, so the event loops serving different
/// sessions do not wait for each other.
///
/// ## Memory per live session
/// What one live session of a person with one registration costs, as laid out here (64-bit):
/// the session entry (a 32-byte key and a 96-byte ``CachedSession``: ids as ``CompactID``s
/// inline, three dates), its pending last use (32 bytes until the next flush), the account entry
/// (a 24-byte key and an 8-byte ``CachedAccount``), the account's principals array (32 bytes of
/// header and 56 per principal), the principal's own CBOR (about 170 bytes with its array's
/// header: its id, names, profile and line; the company's id and name are a ``SharedCompany``
/// held once per company, the permission lists once per profile) and its place in the company
/// index (about 60). Dictionaries keep at most ¾ of their buckets full and double, so that is
/// between 550 bytes and 900 bytes per session, and at most 900 bytes more per further
/// registration of the person; each company with members in memory adds about 200 bytes once.
/// Measured with the scale run's database at 100,000 sessions (glibc's `malloc_stats`): 105 MB
/// in use by the whole process, about 1 KiB per session with everything else the daemon holds
/// (the database's page caches included); `make bench`'s scale row gives the peak RSS.
final class AuthorizationCache: Sendable {
    /// A session as memory holds it.
    struct CachedSession: Sendable {
        var id: CompactID
        var accountID: CompactID
        var createdAt: Date
        var expiresAt: Date
        var lastSeenAt: Date
        var selectedCompanyID: CompactID?
        var requiredAction: RequiredAction?

        init(_ record: SessionRecord) {
            id = CompactID(record.id)
            accountID = CompactID(record.accountId)
            createdAt = record.createdAt
            expiresAt = record.expiresAt
            lastSeenAt = record.lastSeenAt
            selectedCompanyID = record.selectedCompanyId.map(CompactID.init)
            requiredAction = record.requiredAction.flatMap(RequiredAction.init(rawValue:))
        }
    }

    /// How many shards each kind of entry is spread over.
    static let shardCount = 16

    private struct SessionShard: Sendable {
        var sessions = GuardedCache<SessionTokenHash, CachedSession>()
        /// The last uses not yet written to the database, by session id, kept until the write
        /// of each succeeded (the flush reads them here; it never scans the sessions).
        var dirty: [CompactID: Date] = [:]

        /// Looks a session up, checks its expiry and marks it used.
        mutating func use(_ tokenHash: SessionTokenHash, at now: Date, lifetime: SessionLifetime) -> Use {
            guard var session = sessions[tokenHash] else { return .unknown }
            guard lifetime.isLive(expiresAt: session.expiresAt, lastSeenAt: session.lastSeenAt, at: now) else {
                sessions.invalidate(tokenHash)
                return .expired
            }
            session.lastSeenAt = now
            sessions.set(tokenHash, session)
            dirty[session.id] = now
            return .live(session)
        }
    }

    /// The accounts of one shard with a membership in one company: most often one (a company's
    /// members spread over the shards), held without a set.
    private enum Members: Sendable {
        case one(CompactID)
        case many(Set<CompactID>)

        var all: [CompactID] {
            switch self {
            case .one(let id): [id]
            case .many(let ids): Array(ids)
            }
        }

        func adding(_ id: CompactID) -> Members {
            switch self {
            case .one(id): return self
            case .one(let other): return .many([other, id])
            case .many(var ids):
                ids.insert(id)
                return .many(ids)
            }
        }

        /// nil once empty.
        func removing(_ id: CompactID) -> Members? {
            switch self {
            case .one(id): return nil
            case .one: return self
            case .many(var ids):
                ids.remove(id)
                return ids.count == 1 ? .one(ids.first!) : .many(ids)
            }
        }
    }

    private struct AccountShard: Sendable {
        var accounts = GuardedCache<CompactID, CachedAccount>()
        /// The accounts of this shard cached with a membership in each company (a company's
        /// change reaches them: their principals hold its name).
        var accountsByCompany: [CompactID: Members] = [:]

        mutating func index(_ accountID: CompactID) {
            guard let account = accounts[accountID] else { return }
            for principal in account.principals {
                accountsByCompany[principal.companyKey] = accountsByCompany[principal.companyKey]?.adding(accountID) ?? .one(accountID)
            }
        }

        mutating func forget(accountID: CompactID) {
            guard let account = accounts.invalidate(accountID) else { return }
            for principal in account.principals {
                accountsByCompany[principal.companyKey] = accountsByCompany[principal.companyKey]?.removing(accountID)
            }
        }

        /// Forgets the accounts with a membership in the company, and makes the account loads in
        /// flight insert nothing (an account being loaded may be one of its members).
        mutating func forget(companyID: CompactID) {
            for accountID in accountsByCompany[companyID]?.all ?? [] { forget(accountID: accountID) }
            accounts.invalidateLoadsInFlight()
        }
    }

    private let sessionShards = LockShards(count: shardCount) { SessionShard() }
    private let accountShards = LockShards(count: shardCount) { AccountShard() }
    private let lineShards = LockShards(count: shardCount) { GuardedCache<CompactID, [String: LineKind]>() }
    /// The companies the principals in memory share.
    let companies = SharedCompanies()

    init() {}

    private func sessionShard(_ tokenHash: SessionTokenHash) -> Int { sessionShards.index(spread: tokenHash.spreadBits) }

    var sessionCount: Int {
        var count = 0
        sessionShards.forEach { count += $0.sessions.count }
        return count
    }

    /// Forgets what committed changes touched.
    func apply(_ changes: [StoreChange]) {
        for change in changes {
            switch change {
            case .account(let id):
                let key = CompactID(id)
                accountShards.withLock(accountShards.index(spreadOf: key)) { $0.forget(accountID: key) }
            case .company(let id):
                let key = CompactID(id)
                lineShards.withLock(lineShards.index(spreadOf: key)) { _ = $0.invalidate(key) }
                companies.forget(key)
                accountShards.forEach { $0.forget(companyID: key) }
            case .sessions(let hashes):
                // The store names sessions by the hex form of their hash.
                for hash in hashes {
                    guard let key = SessionTokenHash(hex: hash) else { continue }
                    sessionShards.withLock(sessionShard(key)) { _ = $0.sessions.invalidate(key) }
                }
            case .all:
                sessionShards.forEach { $0.sessions.invalidateAll() }
                accountShards.forEach { shard in
                    shard.accounts.invalidateAll()
                    shard.accountsByCompany = [:]
                }
                lineShards.forEach { $0.invalidateAll() }
                companies.forgetAll()
            }
        }
    }

    // MARK: Sessions

    /// What ``use(tokenHash:at:lifetime:)`` found.
    enum Use: Sendable {
        /// Not in memory: load it from the database.
        case unknown
        /// Past its lifetime or idle timeout; forgotten.
        case expired
        /// Live; marked used at `now` (written in batches: ``pendingUses()``).
        case live(CachedSession)
    }

    /// Looks a session up, checks its expiry and marks it used, under its shard's lock: the whole
    /// in-memory part of validating a session.
    func use(tokenHash: SessionTokenHash, at now: Date, lifetime: SessionLifetime) -> Use {
        sessionShards.withLock(sessionShard(tokenHash)) { $0.use(tokenHash, at: now, lifetime: lifetime) }
    }

    /// ``use(tokenHash:at:lifetime:)`` and, for a live session, its account (the hot path: two
    /// locks, each held for one lookup).
    func useWithAccount(tokenHash: SessionTokenHash, at now: Date, lifetime: SessionLifetime) -> (Use, CachedAccount?) {
        let use = use(tokenHash: tokenHash, at: now, lifetime: lifetime)
        guard case .live(let session) = use else { return (use, nil) }
        return (use, account(session.accountID))
    }

    /// Notes a use of a session known only from the database (the caches bypassed), for the
    /// next flush, in the shard of its token (where the uses of it in memory are noted).
    func noteUse(sessionID: String, tokenHash: SessionTokenHash, at now: Date) {
        let key = CompactID(sessionID)
        sessionShards.withLock(sessionShard(tokenHash)) { shard in
            shard.dirty[key] = max(now, shard.dirty[key] ?? now)
            shard.sessions.modify(tokenHash) { $0.lastSeenAt = max(now, $0.lastSeenAt) }
        }
    }

    func beginSessionLoad(_ tokenHash: SessionTokenHash) -> GuardedCache<SessionTokenHash, CachedSession>.Ticket {
        sessionShards.withLock(sessionShard(tokenHash)) { $0.sessions.beginLoad(tokenHash) }
    }

    /// Caches a session read from the database (or just written by a login), unless a change
    /// touched it since the ticket was taken.
    /// Returns whether the load is still current (see ``GuardedCache/finishLoad(_:with:)``).
    @discardableResult
    func finishSessionLoad(_ ticket: GuardedCache<SessionTokenHash, CachedSession>.Ticket, _ record: SessionRecord?) -> Bool {
        var session = record.map(CachedSession.init)
        return sessionShards.withLock(sessionShard(ticket.key)) { shard in
            // A use noted here and not yet written is newer than what the database said.
            if let id = session?.id, let pending = shard.dirty[id], let read = session?.lastSeenAt { session?.lastSeenAt = max(pending, read) }
            return shard.sessions.finishLoad(ticket, with: session)
        }
    }

    /// The last uses not yet written to the database, as a flush takes them: each stays noted
    /// until ``markWritten(_:)`` (a flush that fails leaves them for the next one, and a listing
    /// sees them meanwhile).
    struct PendingUses: Sendable {
        /// By session id, for the store.
        let uses: [String: Date]
        fileprivate let byShard: [[(CompactID, Date)]]
    }

    func pendingUses() -> PendingUses {
        var uses: [String: Date] = [:]
        var byShard: [[(CompactID, Date)]] = []
        for index in 0..<sessionShards.count {
            let entries = sessionShards.withLock(index) { shard in shard.dirty.map { ($0.key, $0.value) } }
            for (id, date) in entries { uses[id.text] = max(date, uses[id.text] ?? date) }
            byShard.append(entries)
        }
        return PendingUses(uses: uses, byShard: byShard)
    }

    /// Forgets the uses a flush wrote, except those noted again since (newer).
    func markWritten(_ pending: PendingUses) {
        for (index, entries) in pending.byShard.enumerated() where !entries.isEmpty {
            sessionShards.withLock(index) { shard in
                for (id, date) in entries where shard.dirty[id] == date { shard.dirty.removeValue(forKey: id) }
                // An emptied map gives its storage back (it grows again with the next uses).
                if shard.dirty.isEmpty { shard.dirty = [:] }
            }
        }
    }

    /// The last uses noted in memory and not yet known to be in the database, of the sessions
    /// named (a listing of an account's sessions applies them to what it read).
    func lastSeen(sessionIDs: [String]) -> [String: Date] {
        let keys = sessionIDs.map { (CompactID($0), $0) }
        var result: [String: Date] = [:]
        // A use is noted in the shard of its session's token, which a listing does not know.
        sessionShards.forEach { shard in
            for (key, id) in keys {
                if let date = shard.dirty[key] { result[id] = max(date, result[id] ?? date) }
            }
        }
        return result
    }

    // MARK: Accounts and lines

    /// A company's part of its members' principals: the one memory already holds for that id
    /// and name, or a new one (held from now on).
    func company(id: String, name: String) throws -> SharedCompany {
        companies.intern(try SharedCompany(id: id, name: name))
    }

    func account(_ accountID: CompactID) -> CachedAccount? {
        accountShards.withLock(accountShards.index(spreadOf: accountID)) { $0.accounts[accountID] }
    }

    func beginAccountLoad(_ accountID: CompactID) -> GuardedCache<CompactID, CachedAccount>.Ticket {
        accountShards.withLock(accountShards.index(spreadOf: accountID)) { $0.accounts.beginLoad(accountID) }
    }

    /// Returns whether the load is still current.
    @discardableResult
    func finishAccountLoad(_ ticket: GuardedCache<CompactID, CachedAccount>.Ticket, _ account: CachedAccount?) -> Bool {
        accountShards.withLock(accountShards.index(spreadOf: ticket.key)) { shard in
            let fresh = shard.accounts.finishLoad(ticket, with: account)
            if fresh, account != nil { shard.index(ticket.key) }
            return fresh
        }
    }

    func lines(companyID: CompactID) -> [String: LineKind]? {
        lineShards.withLock(lineShards.index(spreadOf: companyID)) { $0[companyID] }
    }

    func beginLinesLoad(_ companyID: CompactID) -> GuardedCache<CompactID, [String: LineKind]>.Ticket {
        lineShards.withLock(lineShards.index(spreadOf: companyID)) { $0.beginLoad(companyID) }
    }

    /// Returns whether the load is still current.
    @discardableResult
    func finishLinesLoad(_ ticket: GuardedCache<CompactID, [String: LineKind]>.Ticket, _ lines: [String: LineKind]?) -> Bool {
        lineShards.withLock(lineShards.index(spreadOf: ticket.key)) { $0.finishLoad(ticket, with: lines) }
    }
}
