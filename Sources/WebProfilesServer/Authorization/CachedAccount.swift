import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore

/// What authorization needs to know about an account, kept in memory: its active registrations
/// (one principal per company), in the order the person joined them. Nothing else: the cache
/// keys it by the account's id, and the username is in every principal.
struct CachedAccount: Sendable {
    /// The active registrations, oldest first.
    let principals: [CachedPrincipal]

    init(principals: [CachedPrincipal]) {
        self.principals = principals
    }

    /// The principal of the account's active registration in `companyID` (a person belongs to
    /// few companies: a scan of them costs less than a dictionary kept per account).
    func principal(in companyID: CompactID) -> CachedPrincipal? {
        principals.first { $0.companyKey == companyID }
    }

    func principal(in companyID: String) -> CachedPrincipal? {
        principal(in: CompactID(companyID))
    }

    /// The account's username, as its principals carry it (an account in memory has one).
    var username: String {
        get throws { try principals.first?.principal.username ?? "" }
    }

    /// The companies, as `Login` and `Whoami` list them.
    var memberships: [Membership] {
        get throws {
            try principals.map { cached in
                let principal = try cached.principal
                return Membership(registrationId: principal.registrationId, companyId: principal.companyId, companyName: principal.companyName,
                                  profile: principal.profile)
            }
        }
    }
}
