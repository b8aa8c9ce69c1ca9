/// Call metadata rules: keys are lowercase `[a-z0-9._-]`, at most ``maxEntries`` entries and
/// ``maxBytes`` bytes of keys and values together.
public enum Metadata {
    public static let maxEntries = 16
    public static let maxBytes = 8 * 1024
    /// The key carrying `Bearer <session token>`.
    public static let authorization = "authorization"

    /// Checks `metadata` against the rules; the error is an INVALID_ARGUMENT naming the problem.
    public static func validate(_ metadata: [String: String]) throws(RPCError) {
        guard metadata.count <= maxEntries else {
            throw RPCError(code: .invalidArgument, message: "metadata has \(metadata.count) entries; at most \(maxEntries) are allowed")
        }
        var total = 0
        for (key, value) in metadata {
            guard !key.isEmpty, key.utf8.allSatisfy(isKeyByte) else {
                throw RPCError(code: .invalidArgument, message: "metadata key \"\(key.prefix(64))\" is not lowercase [a-z0-9._-]")
            }
            total += key.utf8.count + value.utf8.count
        }
        guard total <= maxBytes else {
            throw RPCError(code: .invalidArgument, message: "metadata is \(total) bytes; at most \(maxBytes) are allowed")
        }
    }

    /// A byte a metadata key may hold: `[a-z0-9._-]`.
    static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    /// The session token of `Bearer <token>` in the authorization entry, if any.
    public static func bearerToken(_ metadata: [String: String]) -> String? {
        guard let value = metadata[authorization] else { return nil }
        let prefix = "Bearer "
        guard value.hasPrefix(prefix) else { return nil }
        return String(value.dropFirst(prefix.count))
    }
}
