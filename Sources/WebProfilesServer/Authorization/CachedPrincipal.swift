import CBOR
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore

/// What authorization needs to know about one active registration, kept in memory: its wire
/// shape, built and encoded once for the answers sent on every call.
package struct CachedPrincipal: Sendable, Hashable {
    /// The wire shape, built once when cached rather than on every call.
    package let principal: Principal
    /// `principal` encoded once (nil only if encoding failed, which the answers then do the
    /// slow way).
    let encodedPrincipal: CBOREncodedValue?

    init(_ registration: RegistrationRecord, companyName: String) {
        principal = Principal(registrationId: registration.id, companyId: registration.companyId, companyName: companyName,
                              username: registration.username, displayName: registration.displayName, profile: registration.profile,
                              referent: registration.referent, line: registration.line,
                              permissions: PermissionTable.permissions(of: registration.profile))
        encodedPrincipal = try? CBOREncodedValue(encoding: principal)
    }

    package var registrationID: String { principal.registrationId }
    package var companyID: String { principal.companyId }
    package var profile: Profile { principal.profile }
    /// The registration's own line, if it holds one.
    package var line: String? { principal.line }
}
