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
/// Each step exists twice: an asynchronous one that loads what is missing from the database,
/// and a synchronous one that answers from the ``AuthorizationCache`` alone, or says it cannot.
/// The synchronous one runs on the connection's event loop (no task, no thread hop), so it
/// does no I/O: it only takes the cache's and the configuration's locks, whose holders
/// never do more than a few dictionary operations per item they touch.
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
    func authenticate(bearerToken token: String?) async throws -> AuthenticatedSession {
        guard let token, Secrets.looksLikeSessionToken(token),
              let session = try await authenticate(tokenHash: Secrets.sha256Hex(token)) else {
            throw SessionInterceptor.unauthenticated
        }
        return session
    }

    /// ``authenticate(bearerToken:)`` from memory; `.needsStore` if the session or its
    /// account is not cached, or memory cannot be trusted now (a shared database whose changes
    /// are not known to have been heard: see ``StorageBackend/cacheIsTrustworthy``).
    func authenticateFromMemory(bearerToken token: String?) throws -> MemoryAnswer<AuthenticatedSession> {
        guard let token, Secrets.looksLikeSessionToken(token) else { throw SessionInterceptor.unauthenticated }
        guard store.backend.cacheIsTrustworthy else { return .needsStore }
        let tokenHash = Secrets.sha256Hex(token)
        let now = self.now()
        switch cache.use(tokenHash: tokenHash, at: now, lifetime: configuration.current.sessionLifetimeRule) {
        case .unknown, .expired:
            // Expired in memory: the database may know of a later use (another daemon's).
            return .needsStore
        case .live(let session):
            guard let account = cache.account(session.accountID) else { return .needsStore }
            // Counted only when answered: a call that needs the store is counted by the
            // asynchronous path, once.
            metrics.cache(.session, hit: true)
            metrics.cache(.account, hit: true)
            guard !account.principals.isEmpty else { throw SessionInterceptor.unauthenticated }
            return .answered(AuthenticatedSession(session, tokenHash: tokenHash, usedAt: now, account: account))
        }
    }

    /// The session for a token hash, if it is live; its account must have an active
    /// registration. Loads what memory lacks; when memory cannot be trusted, reads everything
    /// from the database and caches nothing.
    func authenticate(tokenHash: String) async throws -> AuthenticatedSession? {
        let now = self.now()
        let lifetime = configuration.current.sessionLifetimeRule
        var use = store.backend.cacheIsTrustworthy ? cache.use(tokenHash: tokenHash, at: now, lifetime: lifetime) : .unknown
        if case .live = use { metrics.cache(.session, hit: true) } else { metrics.cache(.session, hit: false) }
        switch use {
        case .live:
            break
        case .unknown, .expired:
            // Unknown, or idle in memory while another daemon may have used it since.
            let record: SessionRecord? = try await freshRead {
                let ticket = self.store.backend.cacheIsTrustworthy ? self.cache.beginSessionLoad(tokenHash) : nil
                let record: SessionRecord?
                do {
                    record = try await self.store.session(tokenHash: tokenHash)
                } catch {
                    if let ticket { self.cache.finishSessionLoad(ticket, nil) }
                    throw error
                }
                let current = ticket.map { self.cache.finishSessionLoad($0, record) } ?? true
                return (record, current)
            }
            guard let record, lifetime.isLive(expiresAt: record.expiresAt, lastSeenAt: record.lastSeenAt, at: now) else { return nil }
            // Trust is asked again: the read may have outlasted the lease.
            use = store.backend.cacheIsTrustworthy ? cache.use(tokenHash: tokenHash, at: now, lifetime: lifetime) : .unknown
            if case .live = use {} else {
                // Not cached (memory bypassed, or raced with a change): judge the record just read.
                var session = AuthorizationCache.CachedSession(record)
                session.lastSeenAt = now
                cache.noteUse(sessionID: record.id, at: now)
                use = .live(session)
            }
        }
        guard case .live(let session) = use, let account = try await account(session.accountID),
              !account.principals.isEmpty else { return nil }
        return AuthenticatedSession(session, tokenHash: tokenHash, usedAt: now, account: account)
    }

    /// The facts of an account: cached, loaded on a miss (and cached), read from the database
    /// alone while memory cannot be trusted.
    func account(_ accountID: String) async throws -> CachedAccount? {
        if store.backend.cacheIsTrustworthy, let cached = cache.account(accountID) {
            metrics.cache(.account, hit: true)
            return cached
        }
        metrics.cache(.account, hit: false)
        return try await freshRead {
            let ticket = self.store.backend.cacheIsTrustworthy ? self.cache.beginAccountLoad(accountID) : nil
            let loaded: CachedAccount?
            do {
                loaded = try await self.store.activeRegistrations(accountID: accountID).map { account, registrations in
                    CachedAccount(accountID: account.id, username: account.username,
                                  principals: registrations.map { CachedPrincipal($0.0, companyName: $0.companyName) })
                }
            } catch {
                if let ticket { self.cache.finishAccountLoad(ticket, nil) }
                throw error
            }
            let current = ticket.map { self.cache.finishAccountLoad($0, loaded) } ?? true
            return (loaded, current)
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
        let principal = try session.principal(for: request.companyId)
        let line = try Self.line(of: request)
        var kind: LineKind?
        if request.permission.isLineScoped, let line {
            kind = try await lineKinds(companyID: principal.companyID)[line.value]
        }
        let decision = Self.decide(request, line: line, lineKind: kind, principal: principal)
        return AuthorizeResponse(allowed: decision.allowed, reason: decision.reason, principal: principal.principal)
    }

    /// The decision of ``authorize(_:session:)``, from memory, with the principal it is about;
    /// `.needsStore` if the company's lines are not cached. The caller shapes the answer (the
    /// fast path with the principal pre-encoded).
    func authorizeFromMemory(_ request: AuthorizeRequest, session: AuthenticatedSession) throws -> MemoryAnswer<(AuthorizationDecision, CachedPrincipal)> {
        guard store.backend.cacheIsTrustworthy else { return .needsStore }
        let principal = try session.principal(for: request.companyId)
        let line = try Self.line(of: request)
        var kind: LineKind?
        if request.permission.isLineScoped, let line {
            guard let lines = cache.lines(companyID: principal.companyID) else { return .needsStore }
            metrics.cache(.lines, hit: true)
            kind = lines[line.value]
        }
        return .answered((Self.decide(request, line: line, lineKind: kind, principal: principal), principal))
    }

    /// The line a request names, validated: required for line-scoped permissions, refused otherwise.
    private static func line(of request: AuthorizeRequest) throws -> MSISDN? {
        if request.permission.isLineScoped {
            guard let text = request.line else {
                throw RPCError.invalidArgument(field: "line", "\(request.permission) is checked against a line")
            }
            do { return try MSISDN(text, field: "line") } catch { throw error.rpcError }
        } else if request.line != nil {
            throw RPCError.invalidArgument(field: "line", "\(request.permission) does not take a line")
        }
        return nil
    }

    private static func decide(_ request: AuthorizeRequest, line: MSISDN?, lineKind: LineKind?, principal: CachedPrincipal) -> AuthorizationDecision {
        AuthorizationDecision.decide(permission: request.permission, profile: principal.profile, ownLine: principal.line,
                                     line: line?.value, companyLineKind: lineKind)
    }

    /// The kinds of a company's lines, cached.
    func lineKinds(companyID: String) async throws -> [String: LineKind] {
        if store.backend.cacheIsTrustworthy, let cached = cache.lines(companyID: companyID) {
            metrics.cache(.lines, hit: true)
            return cached
        }
        metrics.cache(.lines, hit: false)
        return try await freshRead {
            let ticket = self.store.backend.cacheIsTrustworthy ? self.cache.beginLinesLoad(companyID) : nil
            do {
                let lines = try await self.store.lineKinds(companyID: companyID)
                let current = ticket.map { self.cache.finishLinesLoad($0, lines) } ?? true
                return (lines, current)
            } catch {
                if let ticket { self.cache.finishLinesLoad(ticket, nil) }
                throw error
            }
        }
    }
}
