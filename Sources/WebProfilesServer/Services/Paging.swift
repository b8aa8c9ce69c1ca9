import WebProfilesWire

/// Page sizes and opaque page tokens of listings.
enum Paging {
    static let defaultSize = 50
    static let maxSize = 500

    static func size(_ requested: Int?) throws -> Int {
        guard let requested else { return defaultSize }
        guard (1...maxSize).contains(requested) else {
            throw RPCError.invalidArgument(field: "pageSize", "must be between 1 and \(maxSize)")
        }
        return requested
    }

    static func token(for key: String?) -> String? {
        key.map { Base64URL.encode(Array($0.utf8)) }
    }

    static func key(from token: String?) throws -> String? {
        guard let token else { return nil }
        guard token.utf8.count <= 1024, let bytes = Base64URL.decode(token), let key = String(validating: bytes, as: UTF8.self) else {
            throw RPCError.invalidArgument(field: "pageToken", "is not a token this server issued")
        }
        return key
    }

    /// The audit event id a page token continues after.
    static func eventID(from token: String?) throws -> Int64? {
        guard let key = try key(from: token) else { return nil }
        guard let id = Int64(key) else { throw RPCError.invalidArgument(field: "pageToken", "is not a token this server issued") }
        return id
    }
}
