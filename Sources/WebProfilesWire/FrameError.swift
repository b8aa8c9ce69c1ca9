/// A violation of the framing rules: the connection answers it with GOAWAY carrying ``status``
/// and closes.
public struct FrameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The GOAWAY status: RESOURCE_EXHAUSTED for an oversized frame, INVALID_ARGUMENT otherwise.
    public var status: StatusCode
    public var message: String

    public init(status: StatusCode, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.name): \(message)" }
}
