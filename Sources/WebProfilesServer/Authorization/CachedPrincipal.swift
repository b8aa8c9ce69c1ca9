import CBOR
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore

/// What authorization needs to know about a registration, kept in memory.
public struct CachedPrincipal: Sendable, Hashable {
    public var registrationID: String
    public var companyID: String
    public var companyName: String
    public var username: String
    public var displayName: String
    public var profile: Profile
    public var referent: String?
    public var line: String?
    public var status: RegistrationStatus
    /// The wire shape, built once when cached rather than on every call.
    public let principal: Principal
    /// `principal` encoded once, for the answers sent on every call (nil only if encoding
    /// failed, which the answers then do the slow way).
    let encodedPrincipal: CBOREncodedValue?

    init(_ registration: RegistrationRecord, companyName: String) {
        registrationID = registration.id
        companyID = registration.companyId
        self.companyName = companyName
        username = registration.username
        displayName = registration.displayName
        profile = registration.profile
        referent = registration.referent
        line = registration.line
        status = registration.status
        principal = Principal(registrationId: registration.id, companyId: registration.companyId, companyName: companyName,
                              username: registration.username, displayName: registration.displayName, profile: registration.profile,
                              referent: registration.referent, line: registration.line,
                              permissions: PermissionTable.permissions(of: registration.profile))
        encodedPrincipal = try? CBOREncodedValue(encoding: principal)
    }
}
