import BenchmarkSupport
import Foundation
import GRDB
import Synchronization
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesWire

/// `Session/Authorize` over a webprofiled SQLite database (schema v3), answered by the daemon's
/// rules: what `Authorizer.authorize(token:request:)` runs in Sources/WebProfilesServer
/// (Authorization/Authorizer.swift, AuthenticatedSession.swift, SessionInterceptor.swift), which
/// is `package` there and so cannot be called from this package. The decision itself is the
/// daemon's public ``AuthorizationDecision/decide(permission:profile:ownLine:line:companyLineKind:)``.
///
/// Like the daemon's fast path, an answer comes from memory once its session, account and
/// company lines are cached: the first call of a session reads them (the same queries as the
/// daemon's store: the session by the SHA-256 of its token, the account's active memberships
/// with their companies' names, the company's lines). Unlike the daemon, nothing is ever
/// written (uses of a session stay in memory) and the cache never forgets: the database is
/// assumed not to change while the peer runs, which holds for the benchmark.
final class SessionAuthorizer: Sendable {
    /// A session as the daemon caches it.
    struct Session: Sendable {
        var accountID: String
        var expiresAt: Date
        var lastSeenAt: Date
        var selectedCompanyID: String?
        var requiredAction: String?
    }

    /// An account's active registrations (one principal per company), oldest first.
    struct Account: Sendable {
        var principals: [Principal]

        func principal(in companyID: String) -> Principal? {
            principals.first { $0.companyId == companyID }
        }
    }

    private struct Cache {
        var sessions: [String: Session] = [:]
        var accounts: [String: Account] = [:]
        var lines: [String: [String: LineKind]] = [:]
    }

    /// The daemon's answer for a missing, malformed, unknown, expired or revoked session.
    static let unauthenticated = RPCError(code: .unauthenticated, message: "missing, invalid or expired session")

    private let database: any DatabaseReader
    private let lifetime: SessionLifetime
    private let cache = Mutex(Cache())

    /// - Parameter idleTimeout: `sessions.idle_timeout` (the daemon's default unless told).
    init(database: any DatabaseReader, idleTimeout: TimeInterval = DaemonDefaults.sessionIdleTimeout) {
        self.database = database
        self.lifetime = SessionLifetime(idleTimeout: idleTimeout)
    }

    /// `Session/Authorize` for a bearer token: the session interceptor's checks, then the handler's.
    /// - Throws: ``RPCError`` UNAUTHENTICATED, INVALID_ARGUMENT, PERMISSION_DENIED or
    ///   FAILED_PRECONDITION as the daemon answers them, or the database's error.
    func authorize(token: String?, request: AuthorizeRequest) async throws -> AuthorizeResponse {
        let session = try await authenticate(bearerToken: token)
        let account = try await account(session.accountID)
        guard !account.principals.isEmpty else { throw Self.unauthenticated }
        // Authorize is not among the methods a session waiting for a second factor may call.
        if session.requiredAction != nil {
            throw RPCError(code: .failedPrecondition,
                           message: "your profile requires a second factor: enrol one (Session/BeginTOTPEnrollment, then Session/ConfirmTOTPEnrollment) before anything else")
        }
        let principal = try Self.principal(for: request.companyId, session: session, account: account)
        let line = try Self.line(of: request)
        var kind: LineKind?
        if request.permission.isLineScoped, let line {
            kind = try await lineKinds(companyID: principal.companyId)[line.value]
        }
        let decision = AuthorizationDecision.decide(permission: request.permission, profile: principal.profile, ownLine: principal.line,
                                                    line: line?.value, companyLineKind: kind)
        return AuthorizeResponse(allowed: decision.allowed, reason: decision.reason, principal: principal)
    }

    // MARK: Sessions

    /// The live session of a bearer token, from memory or else from the `session` table.
    private func authenticate(bearerToken token: String?) async throws -> Session {
        guard let token, DaemonSecrets.looksLikeSessionToken(token) else { throw Self.unauthenticated }
        let tokenHash = DaemonSecrets.sha256Hex(token)
        let now = Date()
        let lifetime = self.lifetime
        let cached = cache.withLock { state -> Session? in
            guard var session = state.sessions[tokenHash],
                  lifetime.isLive(expiresAt: session.expiresAt, lastSeenAt: session.lastSeenAt, at: now)
            else { return nil }
            session.lastSeenAt = now
            state.sessions[tokenHash] = session
            return session
        }
        if let cached { return cached }
        let loaded = try await database.read { (db: Database) -> Session? in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT accountId, expiresAt, lastSeenAt, selectedCompanyId, requiredAction FROM session WHERE tokenHash = ?
                """, arguments: [tokenHash])
            else { return nil }
            return Session(accountID: row["accountId"], expiresAt: row["expiresAt"], lastSeenAt: row["lastSeenAt"],
                           selectedCompanyID: row["selectedCompanyId"], requiredAction: row["requiredAction"])
        }
        guard var session = loaded, lifetime.isLive(expiresAt: session.expiresAt, lastSeenAt: session.lastSeenAt, at: now) else {
            throw Self.unauthenticated
        }
        session.lastSeenAt = now
        let live = session
        cache.withLock { $0.sessions[tokenHash] = live }
        return live
    }

    // MARK: Accounts

    /// The account's active registrations as principals (`ProfileStore.activeRegistrations(accountID:)`
    /// and `CachedPrincipal` in the daemon).
    private func account(_ accountID: String) async throws -> Account {
        if let cached = cache.withLock({ $0.accounts[accountID] }) { return cached }
        let loaded = try await database.read { (db: Database) -> Account in
            let rows = try Row.fetchAll(db, sql: """
                SELECT m.id, m.companyId, c.name AS companyName, a.username, m.displayName, m.profile, m.referent, m.line
                FROM membership m JOIN account a ON a.id = m.accountId JOIN company c ON c.id = m.companyId
                WHERE m.accountId = ? AND m.status = 'active' ORDER BY m.createdAt, m.id
                """, arguments: [accountID])
            let principals = try rows.map { (row: Row) -> Principal in
                let profileText: String = row["profile"]
                guard let profile = Profile(rawValue: profileText) else {
                    throw RPCError(code: .dataLoss, message: "a membership has the unknown profile \(LogSafe.text(profileText, maxLength: 64))")
                }
                return Principal(registrationId: row["id"], companyId: row["companyId"], companyName: row["companyName"],
                                 username: row["username"], displayName: row["displayName"], profile: profile,
                                 referent: row["referent"], line: row["line"], permissions: PermissionTable.permissions(of: profile))
            }
            return Account(principals: principals)
        }
        cache.withLock { $0.accounts[accountID] = loaded }
        return loaded
    }

    /// The principal a call about `companyID` acts as: that company's, the selected one's, or
    /// the only one's (`AuthenticatedSession.principal(for:)` in the daemon, same answers).
    private static func principal(for companyID: String?, session: Session, account: Account) throws -> Principal {
        if let companyID {
            guard let principal = account.principal(in: companyID) else {
                throw RPCError(code: .permissionDenied, message: "you have no active registration in company \(LogSafe.text(companyID, maxLength: 64))")
            }
            return principal
        }
        if let selected = session.selectedCompanyID {
            guard let principal = account.principal(in: selected) else {
                throw RPCError(code: .failedPrecondition,
                               message: "your registration in the selected company is no longer active; select another company (Session/SelectCompany) or name one with companyId")
            }
            return principal
        }
        switch account.principals.count {
        case 1:
            return account.principals[0]
        case 0:
            throw Self.unauthenticated
        default:
            throw RPCError(code: .failedPrecondition,
                           message: "you belong to \(account.principals.count) companies: name one with companyId, or choose one with Session/SelectCompany")
        }
    }

    // MARK: Lines

    /// The line a request names, validated: required for line-scoped permissions, refused otherwise.
    private static func line(of request: AuthorizeRequest) throws -> MSISDN? {
        if request.permission.isLineScoped {
            guard let text = request.line else {
                throw RPCError.invalidArgument(field: "line", "\(request.permission) is checked against a line")
            }
            do { return try MSISDN(text, field: "line") } catch { throw RPCError.invalidArgument(field: error.field, error.message) }
        } else if request.line != nil {
            throw RPCError.invalidArgument(field: "line", "\(request.permission) does not take a line")
        }
        return nil
    }

    /// The kinds of a company's lines, by number, cached.
    private func lineKinds(companyID: String) async throws -> [String: LineKind] {
        if let cached = cache.withLock({ $0.lines[companyID] }) { return cached }
        let loaded = try await database.read { (db: Database) -> [String: LineKind] in
            var kinds: [String: LineKind] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT msisdn, kind FROM line WHERE companyId = ?", arguments: [companyID]) {
                let msisdn: String = row["msisdn"]
                let kindText: String = row["kind"]
                if let kind = LineKind(rawValue: kindText) { kinds[msisdn] = kind }
            }
            return kinds
        }
        cache.withLock { $0.lines[companyID] = loaded }
        return loaded
    }
}
