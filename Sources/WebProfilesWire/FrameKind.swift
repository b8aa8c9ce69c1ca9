/// The kind byte of a frame.
public enum FrameKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case hello = 1
    case request = 2
    case response = 3
    case cancel = 4
    case ping = 5
    case pong = 6
    case goaway = 7

    public var description: String {
        switch self {
        case .hello: "HELLO"
        case .request: "REQUEST"
        case .response: "RESPONSE"
        case .cancel: "CANCEL"
        case .ping: "PING"
        case .pong: "PONG"
        case .goaway: "GOAWAY"
        }
    }

    /// Whether frames of this kind carry a non-zero stream id.
    public var hasStreamID: Bool { self == .request || self == .response || self == .cancel }

    /// Whether frames of this kind carry a status code.
    public var hasStatus: Bool { self == .response || self == .goaway }
}
