import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore

/// What authorization needs to know about an account, kept in memory: its active registrations
/// (one principal per company), in the order the person joined them.
struct CachedAccount: Sendable {
    let accountID: String
    let username: String
    /// The active registrations, oldest first.
    let principals: [CachedPrincipal]
    private let byCompany: [String: Int]

    init(accountID: String, username: String, principals: [CachedPrincipal]) {
        self.accountID = accountID
        self.username = username
        self.principals = principals
        self.byCompany = Dictionary(principals.enumerated().map { ($1.companyID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var companyIDs: [String] { principals.map(\.companyID) }

    /// The principal of the account's active registration in `companyID`.
    func principal(in companyID: String) -> CachedPrincipal? {
        byCompany[companyID].map { principals[$0] }
    }

    /// The companies, as `Login` and `Whoami` list them.
    var memberships: [Membership] {
        principals.map { Membership(registrationId: $0.registrationID, companyId: $0.companyID, companyName: $0.principal.companyName, profile: $0.profile) }
    }
}
