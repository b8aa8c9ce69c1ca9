/// The GOAWAY payload: no new calls; calls up to ``lastStreamId`` are finished, then the sender closes.
public struct GoAway: Codable, Hashable, Sendable {
    public var lastStreamId: UInt32
    public var message: String

    public init(lastStreamId: UInt32, message: String) {
        self.lastStreamId = lastStreamId
        self.message = message
    }
}
