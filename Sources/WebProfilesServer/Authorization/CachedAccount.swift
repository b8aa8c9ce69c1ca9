import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore

/// What authorization needs to know about an account, kept in memory: its active registrations
/// (one principal per company), in the order the person joined them.
struct CachedAccount: Sendable {
    let accountKey: CompactID
    let username: String
    /// The active registrations, oldest first.
    let principals: [CachedPrincipal]

    init(accountID: String, username: String, principals: [CachedPrincipal]) {
        self.accountKey = CompactID(accountID)
        self.username = username
        self.principals = principals
    }

    var accountID: String { accountKey.text }

    /// The principal of the account's active registration in `companyID` (a person belongs to
    /// few companies: a scan of them costs less than a dictionary kept per account).
    func principal(in companyID: CompactID) -> CachedPrincipal? {
        principals.first { $0.companyKey == companyID }
    }

    func principal(in companyID: String) -> CachedPrincipal? {
        principal(in: CompactID(companyID))
    }

    /// The companies, as `Login` and `Whoami` list them.
    var memberships: [Membership] {
        get throws {
            try principals.map {
                Membership(registrationId: $0.registrationID, companyId: $0.companyID, companyName: try $0.principal.companyName, profile: $0.profile)
            }
        }
    }
}
