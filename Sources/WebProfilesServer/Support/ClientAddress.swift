#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import WebProfilesWire

/// The end user's network address a portal passes along with a call (`client-ip` metadata),
/// validated and written in its canonical form (`inet_ntop`), so that one address is one
/// throttling source however it was spelled.
enum ClientAddress {
    /// The metadata key.
    static let metadataKey = "client-ip"

    /// The canonical address in `metadata`, nil when there is none; INVALID_ARGUMENT naming the
    /// key when it is not an IPv4 or IPv6 address.
    static func from(_ metadata: [String: String]) throws(RPCError) -> String? {
        guard let text = metadata[metadataKey] else { return nil }
        guard let canonical = canonical(text) else {
            throw RPCError.invalidArgument(field: metadataKey, "is not an IPv4 or IPv6 address")
        }
        return canonical
    }

    static func canonical(_ text: String) -> String? {
        guard text.utf8.count <= 45 else { return nil }
        // Room for either family's binary form (16 bytes), and for the longest text form.
        var binary = [UInt8](repeating: 0, count: 16)
        var written = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        for family in [AF_INET, AF_INET6] where inet_pton(family, text, &binary) == 1 {
            guard inet_ntop(family, binary, &written, socklen_t(written.count)) != nil else { return nil }
            return String(decoding: written.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }
}
