/// The HELLO payload both sides send first.
public struct Hello: Codable, Hashable, Sendable {
    /// The protocol name every v1 peer sends.
    public static let protocolName = "webprofiles"
    /// The only protocol version this implementation speaks.
    public static let currentVersion = 1

    /// Always ``protocolName``.
    public var protocolName: String
    public var version: Int
    /// `<name>/<version>` of the implementation, for logs.
    public var peer: String
    /// The largest length field this side accepts.
    public var maxFrameBytes: UInt64

    public init(peer: String, maxFrameBytes: Int, protocolName: String = Hello.protocolName, version: Int = Hello.currentVersion) {
        self.protocolName = protocolName
        self.version = version
        self.peer = peer
        self.maxFrameBytes = UInt64(maxFrameBytes)
    }

    enum CodingKeys: String, CodingKey {
        case protocolName = "protocol"
        case version, peer, maxFrameBytes
    }
}
