import CBOR

/// The fields of a REQUEST payload other than `message`, which is decoded separately once the
/// method (and so its type) is known.
public struct RequestHeader: Codable, Sendable {
    /// `webprofiles.v1.<Service>/<Method>`.
    public var method: String
    /// Relative deadline in milliseconds; absent means none.
    public var timeoutMillis: UInt64?
    /// Call metadata, see ``Metadata``.
    public var metadata: [String: String]?

    public init(method: String, timeoutMillis: UInt64? = nil, metadata: [String: String]? = nil) {
        self.method = method
        self.timeoutMillis = timeoutMillis
        self.metadata = metadata
    }
}

/// A whole REQUEST payload, as a client writes it.
public struct RequestEnvelope<Message: Encodable>: Encodable {
    public var method: String
    public var message: Message
    public var timeoutMillis: UInt64?
    public var metadata: [String: String]?

    public init(method: String, message: Message, timeoutMillis: UInt64? = nil, metadata: [String: String]? = nil) {
        self.method = method
        self.message = message
        self.timeoutMillis = timeoutMillis
        self.metadata = metadata.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A successful RESPONSE payload: `{"message": …}`.
public struct ResponseEnvelope<Message: Encodable>: Encodable {
    public var message: Message
    public init(message: Message) { self.message = message }
}

/// A failed RESPONSE payload: `{"error": {"message": …, "details": …}}`.
public struct ErrorEnvelope: Codable, Sendable {
    public struct Body: Codable, Sendable {
        public var message: String
        public var details: CBORValue?
    }
    public var error: Body

    public init(message: String, details: CBORValue? = nil) {
        self.error = Body(message: message, details: details)
    }
}

/// The REQUEST `message` field's key in the payload map.
public let messageKey = "message"
