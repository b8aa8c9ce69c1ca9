import Foundation
import WebProfilesDomain

/// A row of `account`: one person's credentials, whatever the companies they belong to.
package struct AccountRecord: StoredRecord, Hashable {
    package static let table = "account"
    package static let columns = ["id", "username", "displayName", "email", "fiscalCode", "passwordHash", "failedAttempts",
                                  "lastFailedAttemptAt", "lockedUntil", "totpSecret", "totpEnabled", "totpLastStep",
                                  "createdAt", "updatedAt", "lastLoginAt"]

    package var id: String
    /// Canonical (``Username``); unique across the daemon.
    package var username: String
    /// The person's own name and address (recovery messages go there).
    package var displayName: String
    package var email: String
    /// For legal representatives: their fiscal code, for the desk to find them.
    package var fiscalCode: String?
    /// Argon2id in its standard encoded form; nil until the person sets a password.
    package var passwordHash: String?
    /// Failed password checks since the last success or lockout (and checks still running).
    package var failedAttempts: Int
    /// When the last failed check was counted (older counts are forgotten after a lockout).
    package var lastFailedAttemptAt: Date?
    package var lockedUntil: Date?
    /// The TOTP secret, encrypted (see the server's second-factor keys); nil when none.
    package var totpSecret: String?
    /// Whether the second factor is confirmed and required at login.
    package var totpEnabled: Bool
    /// The last TOTP time step accepted (a code is never accepted twice).
    package var totpLastStep: Int64?
    package var createdAt: Date
    package var updatedAt: Date
    package var lastLoginAt: Date?

    package init(id: String, username: String, displayName: String, email: String, fiscalCode: String? = nil, passwordHash: String? = nil,
                 failedAttempts: Int = 0, lastFailedAttemptAt: Date? = nil, lockedUntil: Date? = nil, totpSecret: String? = nil,
                 totpEnabled: Bool = false, totpLastStep: Int64? = nil, createdAt: Date, updatedAt: Date, lastLoginAt: Date? = nil) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.email = email
        self.fiscalCode = fiscalCode
        self.passwordHash = passwordHash
        self.failedAttempts = failedAttempts
        self.lastFailedAttemptAt = lastFailedAttemptAt
        self.lockedUntil = lockedUntil
        self.totpSecret = totpSecret
        self.totpEnabled = totpEnabled
        self.totpLastStep = totpLastStep
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastLoginAt = lastLoginAt
    }

    package init(row: SQLRow) throws {
        id = try row["id"]
        username = try row["username"]
        displayName = try row["displayName"]
        email = try row["email"]
        fiscalCode = try row["fiscalCode"]
        passwordHash = try row["passwordHash"]
        failedAttempts = try row["failedAttempts"]
        lastFailedAttemptAt = try row["lastFailedAttemptAt"]
        lockedUntil = try row["lockedUntil"]
        totpSecret = try row["totpSecret"]
        totpEnabled = try row["totpEnabled"]
        totpLastStep = try row["totpLastStep"]
        createdAt = try row["createdAt"]
        updatedAt = try row["updatedAt"]
        lastLoginAt = try row["lastLoginAt"]
    }

    package var values: [SQLValue] {
        [id.sqlValue, username.sqlValue, displayName.sqlValue, email.sqlValue, fiscalCode.sqlValue, passwordHash.sqlValue,
         failedAttempts.sqlValue, lastFailedAttemptAt.sqlValue, lockedUntil.sqlValue, totpSecret.sqlValue, totpEnabled.sqlValue,
         totpLastStep.sqlValue, createdAt.sqlValue, updatedAt.sqlValue, lastLoginAt.sqlValue]
    }

    package func isLocked(at now: Date) -> Bool { lockedUntil.map { $0 > now } ?? false }
}
