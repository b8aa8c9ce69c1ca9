import CBOR
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

/// What authorization needs to know about one active registration, kept in memory compactly:
/// the few fields decisions read, and the principal's wire form encoded once for the answers
/// sent on every call.
///
/// The wire form is held in three parts, none of them twice: the registration's own fields
/// (``encodedOwn``), its company's `companyId` and `companyName` (a ``SharedCompany``, one for
/// every member of the company in memory) and the profile's permission list (shared by every
/// principal of that profile: ``encodedPermissions(of:)``). The `Principal` the slower paths
/// answer with is decoded from them (``principal``).
package struct CachedPrincipal: Sendable {
    /// The principal's CBOR map without the company's fields (inserted at ``companyOffset``)
    /// and without the `permissions` key and value (written last; the map's head counts both).
    let encodedOwn: [UInt8]
    let company: SharedCompany
    /// The registration's own line, if it holds one (15 bytes at most: held inline).
    package let line: String?
    let registrationKey: CompactID
    package let profile: Profile
    /// Where in ``encodedOwn`` the company's fields go: after the map's head and the
    /// `registrationId`. (The fields are in this order so that the struct packs into 56 bytes.)
    let companyOffset: Int32

    /// - Parameter company: the registration's company, as ``SharedCompanies`` interned it.
    /// - Throws: when the principal's encoding does not have the company's fields after the
    ///   `registrationId` and the profile's shared permission list last (it always does:
    ///   ``CBOREncoder`` writes fields in declaration order).
    init(_ registration: RegistrationRecord, company: SharedCompany) throws {
        guard company.key == CompactID(registration.companyId) else {
            throw RPCError(code: .internal, message: "a principal's company is not its registration's")
        }
        let permissions = PermissionTable.permissions(of: registration.profile)
        let encoder = CBOREncoder()
        let full = try encoder.encode(Principal(
            registrationId: registration.id, companyId: registration.companyId, companyName: "", username: registration.username,
            displayName: registration.displayName, profile: registration.profile, referent: registration.referent, line: registration.line,
            permissions: permissions))
        // The company's fields as the encoder wrote them with an empty name, to be cut out.
        let placeholder = try SharedCompany.encodedFields(id: registration.companyId, name: "")
        let shared = Self.encodedPermissions(of: registration.profile)
        let offset = 1 + (try encoder.encode("registrationId") + encoder.encode(registration.id)).count
        guard full.count >= offset + placeholder.count + shared.count,
              full[offset..<(offset + placeholder.count)].elementsEqual(placeholder),
              full.suffix(shared.count).elementsEqual(shared) else {
            throw RPCError(code: .internal, message: "a principal's encoding does not have its company and permissions where expected")
        }
        encodedOwn = Array(full[..<offset] + full[(offset + placeholder.count)..<(full.count - shared.count)])
        companyOffset = Int32(offset)
        registrationKey = CompactID(registration.id)
        self.company = company
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
    var encoded: [UInt8] {
        var bytes = Array(encodedBeforeCompany)
        bytes += company.encoded
        bytes += encodedAfterCompany
        bytes += Self.encodedPermissions(of: profile)
        return bytes
    }

    /// ``encodedOwn`` up to the company's fields.
    var encodedBeforeCompany: ArraySlice<UInt8> { encodedOwn[..<Int(companyOffset)] }
    /// ``encodedOwn`` from the company's fields on.
    var encodedAfterCompany: ArraySlice<UInt8> { encodedOwn[Int(companyOffset)...] }
    /// How long ``encoded`` is.
    var encodedCount: Int { encodedOwn.count + company.encoded.count + Self.encodedPermissions(of: profile).count }

    /// The wire shape, decoded from ``encoded`` (the answers of the paths that are not the
    /// hottest one).
    package var principal: Principal {
        get throws { try CBORDecoder().decode(Principal.self, from: encoded) }
    }

    package var registrationID: String { registrationKey.text }
    package var companyID: String { company.key.text }
    var companyKey: CompactID { company.key }
}
