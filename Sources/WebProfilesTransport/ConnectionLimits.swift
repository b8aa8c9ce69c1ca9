/// Bounds on what one connection may use.
public struct ConnectionLimits: Sendable, Hashable {
    /// The largest length field accepted (and advertised in HELLO).
    public var maxFrameBytes: Int = 1 << 20
    /// Calls one connection may have in flight; more are answered RESOURCE_EXHAUSTED.
    public var maxConcurrentCalls: Int = 1024
    /// Connections one listener holds at once; more are closed at once.
    public var maxConnections: Int = 1024
    /// Payload bytes of the requests one connection may have in flight; beyond, RESOURCE_EXHAUSTED.
    public var maxInFlightRequestBytes: Int = 8 << 20
    /// Time a started frame (or the HELLO after connecting) may take to arrive completely.
    public var frameTimeout: Duration = .seconds(10)
    /// Time without frames or calls after which a connection is closed.
    public var idleTimeout: Duration = .seconds(300)
    /// Time in-flight calls get to finish on a graceful stop.
    public var shutdownGracePeriod: Duration = .seconds(10)

    public init() {}
}
