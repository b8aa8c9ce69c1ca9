import Foundation
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

/// What an answer from memory found: the answer, or that it needs the database.
enum MemoryAnswer<Value> {
    case answered(Value)
    /// Something the answer depends on is not cached: take the asynchronous path.
    case needsStore
}

/// Session validation and `Session/Authorize`: the hot path.
///
/// Each step is written once, as a synchronous function of what the ``AuthorizationCache``
/// holds, which answers or says what it lacks (``sessionInMemory(_:)``,
/// ``factsFromMemory(companyKey:session:needsLines:countHits:)``). The fast paths run it on the
/// connection's event loop (no task, no thread hop), so it does no I/O: it only takes the
/// cache's and the configuration's locks, whose holders never do more than a few dictionary
/// operations per item they touch. The asynchronous path loads what it said was missing, then
/// runs it again.
package final class Authorizer: Sendable {
    let store: ProfileStore
    let cache = AuthorizationCache()
    let configuration: LiveConfiguration
    /// The clock (injectable for tests).
    let now: @Sendable () -> Date
    /// Counts the cache's hits and misses.
    let metrics: DaemonMetrics

    init(store: ProfileStore, configuration: LiveConfiguration, metrics: DaemonMetrics, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.configuration = configuration
        self.metrics = metrics
        self.now = now
        // The cache follows every commit (and, with a shared database, other daemons' commits).
        store.changes.subscribe { [cache] changes in cache.apply(changes) }
    }

    /// Sessions known in memory.
    var cachedSessionCount: Int { cache.sessionCount }

    // MARK: Authenticating a bearer token

    /// The live session of a bearer token. Missing, malformed, unknown, expired and revoked
    /// tokens all give the same UNAUTHENTICATED error.
    ///
    /// - Parameter countHits: whether what memory holds is counted as cache hits (not when the
    ///   fast path counted them already); what must be loaded is always counted as a miss.
    func authenticate(bearerToken token: String?, countHits: Bool = true) async throws -> AuthenticatedSession {
        guard let token, Secrets.looksLikeSessionToken(token),
              let session = try await authenticate(tokenHash: SessionTokenHash(token: token), countHits: countHits) else {
            throw SessionInterceptor.unauthenticated
        }
        return session
    }

    /// ``authenticate(bearerToken:)`` from memory; `.needsStore` if the session or its
    /// account is not cached, or memory cannot be trusted now (a shared database whose changes
    /// are not known to have been heard: see ``StorageBackend/cacheIsTrustworthy``).
    func authenticateFromMemory(bearerToken token: String?) throws -> MemoryAnswer<AuthenticatedSession> {
        guard let token, Secrets.looksLikeSessionToken(token) else { throw SessionInterceptor.unauthenticated }
        return try authenticateFromMemory(tokenHash: SessionTokenHash(token: token))
    }

    /// ``authenticateFromMemory(bearerToken:)`` for a token already checked and hashed.
    ///
    /// - Parameter countHits: whether the cache's hits are counted here (the in-place path
    ///   counts them itself, only when it answers).
    func authenticateFromMemory(tokenHash: SessionTokenHash, countHits: Bool = true) throws -> MemoryAnswer<AuthenticatedSession> {
        guard store.backend.cacheIsTrustworthy else { return .needsStore }
        guard case .found(let session) = try sessionInMemory(tokenHash) else { return .needsStore }
        // Counted here when this answers; a call that goes on to the asynchronous path is
        // not counted again there (``CallContext/cacheHitsCounted``).
        if countHits {
            metrics.cache(.session, hit: true)
            metrics.cache(.account, hit: true)
        }
        return .answered(session)
    }

    /// What memory holds of a session: everything a call needs, or the first thing it lacks.
    enum SessionInMemory {
        case found(AuthenticatedSession)
        /// Not cached, or expired in memory (the database may know of a later use: another
        /// daemon's).
        case sessionMissing
        /// The session is, its account is not.
        case accountMissing(CompactID)
    }

    /// The one in-memory step of authenticating a session, which every path runs: the session
    /// looked up, checked and marked used, and its account.
    ///
    /// - Throws: UNAUTHENTICATED for an account left without an active registration.
    private func sessionInMemory(_ tokenHash: SessionTokenHash) throws -> SessionInMemory {
        let now = self.now()
        let (use, cachedAccount) = cache.useWithAccount(tokenHash: tokenHash, at: now, lifetime: configuration.sessionLifetime)
        switch use {
        case .unknown, .expired:
            return .sessionMissing
        case .live(let session):
            guard let account = cachedAccount else { return .accountMissing(session.accountID) }
            guard !account.principals.isEmpty else { throw SessionInterceptor.unauthenticated }
            return .found(AuthenticatedSession(session, tokenHash: tokenHash, usedAt: now, account: account))
        }
    }

    /// How many times the asynchronous path loads what memory lacked and runs the in-memory
    /// step again: a session, then its account, then the answer, with a pass to spare for a
    /// load that a change overtook (it caches nothing, and is loaded again).
    static let memoryPasses = 4

    /// The session for a token hash, if it is live; its account must have an active
    /// registration.
    ///
    /// Runs the in-memory step (``sessionInMemory(_:)``, as the fast paths do), loads what it
    /// said was missing (caching it), and runs it again. When memory cannot be trusted (a shared
    /// database whose changes are not known to have been heard), or keeps losing what was loaded
    /// to changes, it judges the records it reads from the database instead, by the same rule
    /// (caching them only when memory can be trusted).
    func authenticate(tokenHash: SessionTokenHash, countHits: Bool = true) async throws -> AuthenticatedSession? {
        let lifetime = configuration.current.sessionLifetimeRule
        var loadedSession = false, loadedAccount = false
        for _ in 0..<Self.memoryPasses {
            guard store.backend.cacheIsTrustworthy else { break }
            switch try sessionInMemory(tokenHash) {
            case .found(let session):
                if countHits && !loadedSession { metrics.cache(.session, hit: true) }
                if countHits && !loadedAccount { metrics.cache(.account, hit: true) }
                return session
            case .sessionMissing:
                loadedSession = true
                guard let record = try await sessionRecord(tokenHash),
                      lifetime.isLive(expiresAt: record.expiresAt, lastSeenAt: record.lastSeenAt, at: now()) else { return nil }
            case .accountMissing(let accountID):
                loadedAccount = true
                guard let account = try await account(accountID, countHits: false), !account.principals.isEmpty else { return nil }
            }
        }
        // Judged from the records just read (cached only when memory can be trusted and no change
        // overtook the read).
        let now = self.now()
        guard let record = try await sessionRecord(tokenHash), lifetime.isLive(expiresAt: record.expiresAt, lastSeenAt: record.lastSeenAt, at: now) else {
            return nil
        }
        let session = AuthorizationCache.CachedSession(record)
        cache.noteUse(sessionID: record.id, tokenHash: tokenHash, at: now)
        guard let account = try await account(session.accountID, countHits: false), !account.principals.isEmpty else { return nil }
        return AuthenticatedSession(session, tokenHash: tokenHash, usedAt: now, account: account)
    }

    /// A session's record, read from the database (a miss of the cache); cached unless memory
    /// cannot be trusted or a change overtook the read.
    private func sessionRecord(_ tokenHash: SessionTokenHash) async throws -> SessionRecord? {
        metrics.cache(.session, hit: false)
        return try await freshRead {
            let ticket = self.store.backend.cacheIsTrustworthy ? self.cache.beginSessionLoad(tokenHash) : nil
            let record: SessionRecord?
            do {
                record = try await self.store.session(tokenHash: tokenHash.hex)
            } catch {
                if let ticket { self.cache.finishSessionLoad(ticket, nil) }
                throw error
            }
            let current = ticket.map { self.cache.finishSessionLoad($0, record) } ?? true
            return (record, current)
        }
    }

    /// The facts of an account: cached, loaded on a miss (and cached), read from the database
    /// alone while memory cannot be trusted.
    func account(_ accountID: String, countHits: Bool = true) async throws -> CachedAccount? {
        try await account(CompactID(accountID), countHits: countHits)
    }

    func account(_ accountID: CompactID, countHits: Bool = true) async throws -> CachedAccount? {
        if store.backend.cacheIsTrustworthy, let cached = cache.account(accountID) {
            if countHits { metrics.cache(.account, hit: true) }
            return cached
        }
        metrics.cache(.account, hit: false)
        return try await freshRead {
            let load = try await self.loadAccount(accountID, { try await self.store.activeRegistrations(accountID: accountID.text) },
                                                  registrations: { $0?.registrations })
            return (load.account, load.current)
        }
    }

    /// Runs `read`, a database read of an account's active registrations (oldest first, with
    /// their companies' names; a login's transaction reads them too), and caches the account they
    /// make unless a change to it was heard meanwhile (the load's ticket, ``GuardedCache``).
    /// - Returns: what `read` returned, the account (nil when `registrations` finds none: no
    ///   such account), and whether the load is still current.
    func loadAccount<Read>(_ accountID: CompactID, _ read: () async throws -> Read,
                           registrations: (Read) -> [(RegistrationRecord, companyName: String)]?) async throws
        -> (read: Read, account: CachedAccount?, current: Bool) {
        let ticket = store.backend.cacheIsTrustworthy ? cache.beginAccountLoad(accountID) : nil
        do {
            let result = try await read()
            let account = try registrations(result).map { registrations in
                CachedAccount(principals: try registrations.map { registration, companyName in
                    try CachedPrincipal(registration, company: cache.company(id: registration.companyId, name: companyName))
                })
            }
            let current = ticket.map { cache.finishAccountLoad($0, account) } ?? true
            return (result, account, current)
        } catch {
            if let ticket { cache.finishAccountLoad(ticket, nil) }
            throw error
        }
    }

    /// How many times an authorization read runs before UNAVAILABLE when it keeps coming back
    /// too old or overtaken by a change.
    static let freshReadAttempts = 3

    /// A database read an authorization answer rests on. On a shared database it must be as
    /// fresh as memory would have to be: a read that returns later than the backend's
    /// ``StorageBackend/freshnessBound`` after it started (a slow or paused database: its
    /// snapshot may miss a change committed meanwhile), or that a change to what it read
    /// overtook (`current` false: the cache heard of a change while it ran), runs again; after
    /// ``freshReadAttempts`` tries, UNAVAILABLE. For a database this daemon alone writes, the
    /// read runs once (its changes are this daemon's own, ordered with the call).
    private func freshRead<T: Sendable>(_ read: () async throws -> (value: T, current: Bool)) async throws -> T {
        guard let bound = store.backend.freshnessBound else { return try await read().value }
        let boundNanoseconds = UInt64(bound.components.seconds) * 1_000_000_000 + UInt64(bound.components.attoseconds / 1_000_000_000)
        for _ in 0..<Self.freshReadAttempts {
            let started = ChangeLease.now
            let (value, current) = try await read()
            let finished = ChangeLease.now
            if current && finished >= started && finished - started <= boundNanoseconds { return value }
        }
        throw StoreError(.unavailable, "the database answers too slowly, or this session keeps changing, to be sure of it; try again")
    }

    // MARK: Session/Authorize

    /// `Session/Authorize` for a bearer token: exactly what the RPC method runs (its session
    /// interceptor, then its handler), for embedding the same logic behind another transport.
    /// - Throws: ``RPCError`` UNAUTHENTICATED, INVALID_ARGUMENT, PERMISSION_DENIED or
    ///   FAILED_PRECONDITION (see ``AuthenticatedSession/principal(for:)``), or the store's error
    ///   when the database fails.
    package func authorize(token: String?, request: AuthorizeRequest) async throws -> AuthorizeResponse {
        try await authorize(request, session: try await authenticate(bearerToken: token))
    }

    /// `Session/Authorize` for an authenticated session.
    func authorize(_ request: AuthorizeRequest, session: AuthenticatedSession) async throws -> AuthorizeResponse {
        let checks = [try Check(request.permission, line: request.line, field: "line")]
        let decided = try await decide(checks, companyID: request.companyId, session: session)
        let decision = decided.decisions[0]
        return AuthorizeResponse(allowed: decision.allowed, reason: decision.reason, principal: try decided.principal.principal)
    }

    /// ``authorize(_:session:)`` from memory; `.needsStore` if the company's lines are not
    /// cached. The caller shapes the answer (the fast path with the principal pre-encoded).
    func authorizeFromMemory(_ request: AuthorizeRequest, session: AuthenticatedSession) throws -> MemoryAnswer<(AuthorizationDecision, CachedPrincipal)> {
        let checks = [try Check(request.permission, line: request.line, field: "line")]
        switch try decideFromMemory(checks, companyID: request.companyId, session: session) {
        case .answered(let decided): return .answered((decided.decisions[0], decided.principal))
        case .needsStore: return .needsStore
        }
    }

    // MARK: Session/AuthorizeMany

    /// The checks of `Session/AuthorizeMany`, validated (count first, then each one).
    func checks(of request: AuthorizeManyRequest) throws -> [Check] {
        guard !request.checks.isEmpty, request.checks.count <= AuthorizeManyRequest.maxChecks else {
            throw RPCError.invalidArgument(field: "checks", "must hold between 1 and \(AuthorizeManyRequest.maxChecks) checks")
        }
        return try request.checks.enumerated().map { index, check in try Check(check.permission, line: check.line, field: "checks[\(index)].line") }
    }

    /// `Session/AuthorizeMany`: the same decisions as one Authorize per check, in order.
    func authorizeMany(_ request: AuthorizeManyRequest, session: AuthenticatedSession) async throws -> AuthorizeManyResponse {
        let decided = try await decide(try checks(of: request), companyID: request.companyId, session: session)
        return AuthorizeManyResponse(results: decided.results, principal: try decided.principal.principal)
    }

    /// ``authorizeMany(_:session:)`` from memory, or `.needsStore`.
    func authorizeManyFromMemory(_ request: AuthorizeManyRequest, session: AuthenticatedSession) throws -> MemoryAnswer<AuthorizeManyResponse> {
        switch try decideFromMemory(try checks(of: request), companyID: request.companyId, session: session) {
        case .answered(let decided): return .answered(AuthorizeManyResponse(results: decided.results, principal: try decided.principal.principal))
        case .needsStore: return .needsStore
        }
    }

    // MARK: Session/ListAuthorizedLines

    /// `Session/ListAuthorizedLines`: the company's lines `permission` reaches, in MSISDN order, a
    /// page at a time.
    func listAuthorizedLines(_ request: ListAuthorizedLinesRequest, session: AuthenticatedSession) async throws -> ListAuthorizedLinesResponse {
        if case .answered(let response) = try listAuthorizedLinesFromMemory(request, session: session) { return response }
        let (size, after) = try Self.paging(request)
        let principal = try session.principal(for: request.companyId)
        return Self.authorizedLines(request.permission, principal: principal, lines: try await lineKinds(companyID: principal.companyKey),
                                    pageSize: size, after: after)
    }

    /// ``listAuthorizedLines(_:session:)`` from memory, or `.needsStore`.
    func listAuthorizedLinesFromMemory(_ request: ListAuthorizedLinesRequest, session: AuthenticatedSession) throws -> MemoryAnswer<ListAuthorizedLinesResponse> {
        let (size, after) = try Self.paging(request)
        guard store.backend.cacheIsTrustworthy else { return .needsStore }
        let principal = try session.principal(for: request.companyId)
        guard let lines = cache.lines(companyID: principal.companyKey) else { return .needsStore }
        metrics.cache(.lines, hit: true)
        return .answered(Self.authorizedLines(request.permission, principal: principal, lines: lines, pageSize: size, after: after))
    }

    private static func paging(_ request: ListAuthorizedLinesRequest) throws -> (size: Int, after: String?) {
        guard request.permission.isLineScoped else {
            throw RPCError.invalidArgument(field: "permission", "\(request.permission) is not checked against a line")
        }
        return (try Paging.size(request.pageSize), try Paging.key(from: request.pageToken))
    }

    private static func authorizedLines(_ permission: Permission, principal: CachedPrincipal, lines: [String: LineKind], pageSize: Int,
                                        after: String?) -> ListAuthorizedLinesResponse {
        var page: [Line] = []
        for msisdn in lines.keys.sorted() where after.map({ msisdn > $0 }) ?? true {
            let kind = lines[msisdn]
            guard Check.decide(permission, line: msisdn, kind: kind, principal: principal).allowed, let kind else { continue }
            if page.count == pageSize {
                return ListAuthorizedLinesResponse(lines: page, nextPageToken: Paging.token(for: page.last?.msisdn))
            }
            page.append(Line(msisdn: msisdn, kind: kind))
        }
        return ListAuthorizedLinesResponse(lines: page)
    }

    // MARK: Decisions

    /// A permission check, validated: the line it names (normalised), required for line
    /// permissions and refused for the others.
    struct Check: Sendable {
        let permission: Permission
        let line: MSISDN?

        init(_ permission: Permission, line text: String?, field: String) throws {
            self.permission = permission
            if permission.isLineScoped {
                guard let text else { throw RPCError.invalidArgument(field: field, "\(permission) is checked against a line") }
                do { line = try MSISDN(text, field: field) } catch { throw error.rpcError }
            } else if text != nil {
                throw RPCError.invalidArgument(field: field, "\(permission) does not take a line")
            } else {
                line = nil
            }
        }

        /// A check whose line is already in canonical form (the in-place path: no allocation).
        init(_ permission: Permission, canonicalLine line: MSISDN?) {
            self.permission = permission
            self.line = line
        }

        /// Whether the decision depends on the company's lines.
        var needsLines: Bool { line != nil }

        func decide(_ principal: CachedPrincipal, lines: [String: LineKind]?) -> AuthorizationDecision {
            Self.decide(permission, line: line?.value, kind: line.flatMap { lines?[$0.value] }, principal: principal)
        }

        /// The one rule: the profile's grant, and for line permissions the line's kind in the company.
        static func decide(_ permission: Permission, line: String?, kind: LineKind?, principal: CachedPrincipal) -> AuthorizationDecision {
            AuthorizationDecision.decide(permission: permission, profile: principal.profile, ownLine: principal.line, line: line, companyLineKind: kind)
        }
    }

    /// Decisions of some checks about one principal.
    struct Decided {
        var principal: CachedPrincipal
        var decisions: [AuthorizationDecision]
        var results: [AuthorizationResult] { decisions.map { AuthorizationResult(allowed: $0.allowed, reason: $0.reason) } }
    }

    /// Decides `checks` from memory: `.needsStore` when memory cannot be trusted or the
    /// company's lines (needed by a line check) are not cached.
    func decideFromMemory(_ checks: [Check], companyID: String?, session: AuthenticatedSession) throws -> MemoryAnswer<Decided> {
        switch try factsFromMemory(companyID: companyID, session: session, needsLines: checks.contains(where: \.needsLines)) {
        case .answered(let (principal, lines)):
            return .answered(Decided(principal: principal, decisions: checks.map { $0.decide(principal, lines: lines) }))
        case .needsStore:
            return .needsStore
        }
    }

    /// What decisions rest on, from memory: the principal the call acts as and, when asked, its
    /// company's lines; `.needsStore` when memory cannot be trusted or the lines are not cached.
    func factsFromMemory(companyID: String?, session: AuthenticatedSession, needsLines: Bool, countHits: Bool = true) throws
        -> MemoryAnswer<(CachedPrincipal, [String: LineKind]?)> {
        try factsFromMemory(companyKey: companyID.map(CompactID.init), session: session, needsLines: needsLines, countHits: countHits)
    }

    /// ``factsFromMemory(companyID:session:needsLines:countHits:)`` for a company id in its
    /// compact form (the in-place path: no allocation).
    func factsFromMemory(companyKey: CompactID?, session: AuthenticatedSession, needsLines: Bool, countHits: Bool = true) throws
        -> MemoryAnswer<(CachedPrincipal, [String: LineKind]?)> {
        guard store.backend.cacheIsTrustworthy else { return .needsStore }
        let principal = try session.principal(forKey: companyKey)
        guard needsLines else { return .answered((principal, nil)) }
        guard let lines = cache.lines(companyID: principal.companyKey) else { return .needsStore }
        if countHits { metrics.cache(.lines, hit: true) }
        return .answered((principal, lines))
    }

    /// Decides `checks`: from memory when it can (``decideFromMemory(_:companyID:session:)``),
    /// otherwise with the company's lines loaded, by the same rule.
    func decide(_ checks: [Check], companyID: String?, session: AuthenticatedSession) async throws -> Decided {
        if case .answered(let decided) = try decideFromMemory(checks, companyID: companyID, session: session) { return decided }
        let principal = try session.principal(for: companyID)
        let lines = checks.contains(where: \.needsLines) ? try await lineKinds(companyID: principal.companyKey) : nil
        return Decided(principal: principal, decisions: checks.map { $0.decide(principal, lines: lines) })
    }

    /// The kinds of a company's lines, cached.
    func lineKinds(companyID: CompactID) async throws -> [String: LineKind] {
        if store.backend.cacheIsTrustworthy, let cached = cache.lines(companyID: companyID) {
            metrics.cache(.lines, hit: true)
            return cached
        }
        metrics.cache(.lines, hit: false)
        return try await freshRead {
            let ticket = self.store.backend.cacheIsTrustworthy ? self.cache.beginLinesLoad(companyID) : nil
            do {
                let lines = try await self.store.lineKinds(companyID: companyID.text)
                let current = ticket.map { self.cache.finishLinesLoad($0, lines) } ?? true
                return (lines, current)
            } catch {
                if let ticket { self.cache.finishLinesLoad(ticket, nil) }
                throw error
            }
        }
    }
}
