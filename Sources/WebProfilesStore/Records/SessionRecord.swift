import Foundation

/// A row of `session`: a live login of an account. Only the SHA-256 of the token is stored.
package struct SessionRecord: StoredRecord, Hashable {
    package static let table = "session"
    package static let columns = ["id", "accountId", "tokenHash", "createdAt", "expiresAt", "lastSeenAt", "selectedCompanyId",
                                  "clientAddress", "userAgent", "requiredAction"]

    package var id: String
    package var accountId: String
    /// SHA-256 (hex) of the session token.
    package var tokenHash: String
    package var createdAt: Date
    /// The absolute end of the session.
    package var expiresAt: Date
    /// Last use, persisted in batches (validation never writes per call).
    package var lastSeenAt: Date
    /// The company the session acts for when a call names none.
    package var selectedCompanyId: String?
    /// The end user's address and browser the portal passed at login (`client-ip`, `user-agent`).
    package var clientAddress: String?
    package var userAgent: String?
    /// What the person must do before anything else (e.g. `enrollSecondFactor`), nil when nothing.
    package var requiredAction: String?

    package init(id: String, accountId: String, tokenHash: String, createdAt: Date, expiresAt: Date, lastSeenAt: Date,
                 selectedCompanyId: String? = nil, clientAddress: String? = nil, userAgent: String? = nil, requiredAction: String? = nil) {
        self.id = id
        self.accountId = accountId
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt
        self.selectedCompanyId = selectedCompanyId
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.requiredAction = requiredAction
    }

    package init(row: SQLRow) throws {
        id = try row["id"]
        accountId = try row["accountId"]
        tokenHash = try row["tokenHash"]
        createdAt = try row["createdAt"]
        expiresAt = try row["expiresAt"]
        lastSeenAt = try row["lastSeenAt"]
        selectedCompanyId = try row["selectedCompanyId"]
        clientAddress = try row["clientAddress"]
        userAgent = try row["userAgent"]
        requiredAction = try row["requiredAction"]
    }

    package var values: [SQLValue] {
        [id.sqlValue, accountId.sqlValue, tokenHash.sqlValue, createdAt.sqlValue, expiresAt.sqlValue, lastSeenAt.sqlValue,
         selectedCompanyId.sqlValue, clientAddress.sqlValue, userAgent.sqlValue, requiredAction.sqlValue]
    }
}
