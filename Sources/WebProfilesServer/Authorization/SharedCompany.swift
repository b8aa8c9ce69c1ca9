import CBOR

/// A company's part of its members' principals (`companyId` and `companyName`, in CBOR), held
/// once for every member in memory instead of once per member (``SharedCompanies`` interns it).
///
/// Immutable: a company's change makes a new one for the members loaded after it.
final class SharedCompany: Sendable {
    let key: CompactID
    /// The `companyId` and `companyName` keys and values, as a principal's CBOR carries them.
    let encoded: [UInt8]

    init(id: String, name: String) throws {
        key = CompactID(id)
        encoded = try Self.encodedFields(id: id, name: name)
    }

    /// The `companyId` and `companyName` keys and values in CBOR, as ``CBOREncoder`` writes them
    /// inside a `Principal`.
    static func encodedFields(id: String, name: String) throws -> [UInt8] {
        let encoder = CBOREncoder()
        return try encoder.encode("companyId") + encoder.encode(id) + encoder.encode("companyName") + encoder.encode(name)
    }
}
