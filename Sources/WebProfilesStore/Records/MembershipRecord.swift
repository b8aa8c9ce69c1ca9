import Foundation
import WebProfilesDomain

/// A row of `membership`: one person's access to one company's customer area, with the profile
/// the company gave them. Its id is the registration id of the wire.
package struct MembershipRecord: StoredRecord, Hashable {
    package static let table = "membership"
    package static let columns = ["id", "accountId", "companyId", "displayName", "email", "profile", "referent", "line", "status",
                                  "invited", "activationCodeHash", "activationExpiresAt", "searchText", "createdAt", "updatedAt"]

    package var id: String
    package var accountId: String
    package var companyId: String
    /// What the company knows the person by (a company inviting an existing account sees only
    /// what it entered itself).
    package var displayName: String
    package var email: String
    package var profile: Profile
    package var referent: String?
    package var line: String?
    package var status: RegistrationStatus
    /// The account existed already: the person accepts with ``activationCodeHash`` as an
    /// invitation, logged in, instead of setting a password.
    package var invited: Bool
    /// SHA-256 (hex) of the single-use activation (or invitation) code, while one is outstanding.
    package var activationCodeHash: String?
    package var activationExpiresAt: Date?
    /// Username, display name and email folded (case and accents, ``SearchText``), for listings.
    package var searchText: String
    package var createdAt: Date
    package var updatedAt: Date

    package init(id: String, accountId: String, companyId: String, displayName: String, email: String, profile: Profile, referent: String?,
                 line: String?, status: RegistrationStatus, invited: Bool, activationCodeHash: String?, activationExpiresAt: Date?,
                 searchText: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.accountId = accountId
        self.companyId = companyId
        self.displayName = displayName
        self.email = email
        self.profile = profile
        self.referent = referent
        self.line = line
        self.status = status
        self.invited = invited
        self.activationCodeHash = activationCodeHash
        self.activationExpiresAt = activationExpiresAt
        self.searchText = searchText
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    package init(row: SQLRow) throws {
        id = try row["id"]
        accountId = try row["accountId"]
        companyId = try row["companyId"]
        displayName = try row["displayName"]
        email = try row["email"]
        profile = try row["profile"]
        referent = try row["referent"]
        line = try row["line"]
        status = try row["status"]
        invited = try row["invited"]
        activationCodeHash = try row["activationCodeHash"]
        activationExpiresAt = try row["activationExpiresAt"]
        searchText = try row["searchText"]
        createdAt = try row["createdAt"]
        updatedAt = try row["updatedAt"]
    }

    package var values: [SQLValue] {
        [id.sqlValue, accountId.sqlValue, companyId.sqlValue, displayName.sqlValue, email.sqlValue, profile.sqlValue, referent.sqlValue,
         line.sqlValue, status.sqlValue, invited.sqlValue, activationCodeHash.sqlValue, activationExpiresAt.sqlValue, searchText.sqlValue,
         createdAt.sqlValue, updatedAt.sqlValue]
    }
}

extension Profile: SQLValueConvertible {}
extension RegistrationStatus: SQLValueConvertible {}
extension LineKind: SQLValueConvertible {}
