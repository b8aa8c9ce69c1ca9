import Foundation
import WebProfilesAPI
import WebProfilesDomain

/// The session a call was made with, resolved by ``SessionInterceptor``.
package struct AuthenticatedSession: Sendable {
    package var sessionID: String
    package var tokenHash: String
    package var createdAt: Date
    package var expiresAt: Date
    package var lastSeenAt: Date
    /// Who the session belongs to, as of this call (profile changes apply at once).
    package var principal: CachedPrincipal
}

extension AuthenticatedSession {
    /// A cached session used at `now` by `principal`.
    init(_ session: AuthorizationCache.CachedSession, tokenHash: String, usedAt now: Date, principal: CachedPrincipal) {
        self.init(sessionID: session.id, tokenHash: tokenHash, createdAt: session.createdAt, expiresAt: session.expiresAt,
                  lastSeenAt: now, principal: principal)
    }
}
