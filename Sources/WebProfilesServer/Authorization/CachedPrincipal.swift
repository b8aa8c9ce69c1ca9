import CBOR
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

/// What authorization needs to know about one active registration, kept in memory compactly:
/// the few fields decisions read, and the principal's wire form encoded once for the answers
/// sent on every call.
///
/// The wire form is held once, without its last field (the profile's permission list, shared by
/// every principal of that profile: ``encodedPermissions(of:)``), and no field is kept twice: the
/// `Principal` the slower paths answer with is decoded from it (``principal``).
package struct CachedPrincipal: Sendable, Hashable {
    /// The principal's CBOR map, `permissions` key and value left out (its head counts them).
    let encodedHead: [UInt8]
    let registrationKey: CompactID
    let companyKey: CompactID
    package let profile: Profile
    /// The registration's own line, if it holds one (15 bytes at most: held inline).
    package let line: String?

    /// - Throws: when the principal's encoding does not end with the profile's shared
    ///   permission list (it always does: ``CBOREncoder`` writes fields in declaration order).
    init(_ registration: RegistrationRecord, companyName: String) throws {
        let principal = Principal(registrationId: registration.id, companyId: registration.companyId, companyName: companyName,
                                  username: registration.username, displayName: registration.displayName, profile: registration.profile,
                                  referent: registration.referent, line: registration.line,
                                  permissions: PermissionTable.permissions(of: registration.profile))
        let full = try CBOREncoder().encode(principal)
        let shared = Self.encodedPermissions(of: registration.profile)
        guard full.count > shared.count, full.suffix(shared.count).elementsEqual(shared) else {
            throw RPCError(code: .internal, message: "a principal's encoding does not end with its permissions")
        }
        encodedHead = Array(full.dropLast(shared.count))
        registrationKey = CompactID(registration.id)
        companyKey = CompactID(registration.companyId)
        profile = registration.profile
        line = registration.line
    }

    /// The `permissions` key and the profile's permission list in CBOR, encoded once per profile.
    static func encodedPermissions(of profile: Profile) -> [UInt8] {
        // Read on every call: indexed by the profile's rank, without a search.
        sharedPermissions[profile.rank]
    }

    /// By ``Profile/rank``.
    private static let sharedPermissions: [[UInt8]] = Profile.allCases.sorted { $0.rank < $1.rank }.map { profile in
        // Encoding a text and an array of enumeration names cannot fail.
        let key = (try? CBOREncoder().encode("permissions")) ?? []
        return key + ((try? CBOREncoder().encode(PermissionTable.permissions(of: profile))) ?? [])
    }

    /// The principal's whole CBOR, as the answers carry it.
    var encoded: [UInt8] { encodedHead + Self.encodedPermissions(of: profile) }

    /// The wire shape, decoded from ``encoded`` (the answers of the paths that are not the
    /// hottest one).
    package var principal: Principal {
        get throws { try CBORDecoder().decode(Principal.self, from: encoded) }
    }

    package var registrationID: String { registrationKey.text }
    package var companyID: String { companyKey.text }
}
