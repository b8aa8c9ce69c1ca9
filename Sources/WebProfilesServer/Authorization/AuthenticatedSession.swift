import CBOR
import Foundation
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

/// The session a call was made with, resolved by ``SessionInterceptor``: the account it belongs
/// to, with the principals of its active registrations as of this call.
package struct AuthenticatedSession: Sendable {
    /// The session as memory holds it, marked used by this call (ids kept compact: this is
    /// built on every call, the texts only when asked for).
    private var session: AuthorizationCache.CachedSession
    package var tokenHash: SessionTokenHash
    var account: CachedAccount

    init(_ session: AuthorizationCache.CachedSession, tokenHash: SessionTokenHash, usedAt now: Date, account: CachedAccount) {
        self.session = session
        self.session.lastSeenAt = now
        self.tokenHash = tokenHash
        self.account = account
    }

    package var sessionID: String { session.id.text }
    package var createdAt: Date { session.createdAt }
    package var expiresAt: Date { session.expiresAt }
    package var lastSeenAt: Date { session.lastSeenAt }
    /// The company calls act for when they name none.
    package var selectedCompanyID: String? { session.selectedCompanyID?.text }
    /// What the person must do before anything else.
    package var requiredAction: RequiredAction? { session.requiredAction }
    package var accountID: String { session.accountID.text }

    /// The principal a call about `companyID` acts as: that company's, the selected one's, or
    /// the only one's.
    ///
    /// - Throws: PERMISSION_DENIED for a company the person is not active in (the same whether
    ///   or not it exists), FAILED_PRECONDITION when the person is active in several and the call
    ///   names none with none selected, or the selected one is no longer theirs.
    package func principal(for companyID: String?) throws(RPCError) -> CachedPrincipal {
        try principal(forKey: companyID.map(CompactID.init))
    }

    /// ``principal(for:)`` for a company id in its compact form (the in-place path).
    func principal(forKey companyID: CompactID?) throws(RPCError) -> CachedPrincipal {
        if let companyID {
            guard let principal = account.principal(in: companyID) else {
                throw RPCError(code: .permissionDenied, message: "you have no active registration in company \(LogSafe.text(companyID.text, maxLength: 64))",
                               details: .textMap(["field": .text("companyId")]))
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
            throw SessionInterceptor.unauthenticated
        default:
            throw RPCError(code: .failedPrecondition,
                           message: "you belong to \(account.principals.count) companies: name one with companyId, or choose one with Session/SelectCompany")
        }
    }

    /// The principal for `companyID`, which must hold `permission`.
    package func principal(for companyID: String?, holding permission: Permission) throws(RPCError) -> CachedPrincipal {
        let principal = try principal(for: companyID)
        guard PermissionTable.grant(permission, to: principal.profile) != .denied else {
            throw RPCError(code: .permissionDenied, message: "the \(principal.profile) profile does not hold \(permission)")
        }
        return principal
    }

    /// The session an account-wide write (a logout, the person's own details) acts through: as
    /// the selected company's registration, or the oldest active one. The account has one (an
    /// account without any is never authenticated).
    package var accountActor: SessionActor {
        let principal = session.selectedCompanyID.flatMap { account.principal(in: $0) } ?? account.principals.first
        return SessionActor(accountID: accountID, sessionID: sessionID, registrationID: principal?.registrationID ?? "")
    }

    /// The session a write acts through as `principal` (re-checked inside the write's transaction).
    package func actor(as principal: CachedPrincipal) -> SessionActor {
        SessionActor(accountID: accountID, sessionID: sessionID, registrationID: principal.registrationID)
    }
}
