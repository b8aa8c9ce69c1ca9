/// Names one RPC method and fixes its request and response types.
///
/// Both the server's router and the client use the same descriptors, so a method's name and
/// message types are written once.
public struct MethodDescriptor<Request: Codable & Sendable, Response: Codable & Sendable>: Sendable, Hashable {
    /// The full name, `webprofiles.v1.<Service>/<Method>`.
    public let name: String
    /// Whether the call needs `authorization: Bearer <token>` metadata.
    public let requiresSession: Bool

    public init(service: String, method: String, requiresSession: Bool = false) {
        self.name = "webprofiles.v1.\(service)/\(method)"
        self.requiresSession = requiresSession
    }
}

/// A request or response without fields (`{}` on the wire).
public struct Empty: Codable, Hashable, Sendable {
    private struct NoKeys: CodingKey {
        var stringValue: String { "" }
        var intValue: Int? { nil }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { nil }
    }

    public init() {}

    /// Requires a map (any keys are ignored), so that a wrong type is still an error.
    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: NoKeys.self)
    }

    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: NoKeys.self)
    }
}
