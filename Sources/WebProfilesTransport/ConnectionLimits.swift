/// Bounds on what connections may use (Protocol/PROTOCOL.md, "Limits").
package struct ConnectionLimits: Sendable, Hashable {
    /// The largest length field accepted (and advertised in HELLO).
    package var maxFrameBytes: Int = 1 << 20
    /// Calls one connection may have in flight; more are answered RESOURCE_EXHAUSTED.
    package var maxConcurrentCalls: Int = 1024
    /// Connections one listener holds at once; more are closed at once. The API listener's value
    /// is lowered at start-up when the descriptor limit could not hold it plus the reserve.
    package var maxConnections: Int = 1024
    /// Connections one peer uid may hold on one listener; more are closed at once.
    package var maxConnectionsPerPeer: Int = 256
    /// Bytes one connection's calls may hold until their tasks end (each call is charged its
    /// payload and its parsed tape); beyond, RESOURCE_EXHAUSTED.
    package var maxInFlightRequestBytes: Int = 4 << 20
    /// Bytes all connections of one peer uid may hold together: calls in flight, partly received
    /// frames beyond ``partialFrameAllowance`` and answers the peer does not read. Beyond, a call
    /// is answered RESOURCE_EXHAUSTED and a connection that needs more to go on is closed.
    package var maxBufferedBytesPerPeer: Int = 64 << 20
    /// Time a started frame (or the HELLO after connecting) may take to arrive completely, and
    /// time a connection may stay unable to take our answers (a client that does not read).
    package var frameTimeout: Duration = .seconds(10)
    /// Time without calls after which a connection is closed. PING does not count as a call.
    package var idleTimeout: Duration = .seconds(300)
    /// Time in-flight calls get to finish on a graceful stop.
    package var shutdownGracePeriod: Duration = .seconds(10)

    /// Bytes of a partly received frame a connection holds without charging its peer's budget.
    package static let partialFrameAllowance = 16 << 10
    /// What a running call holds beyond its payload and parsed tape (its task, its context, its
    /// logger), charged with them.
    package static let perCallOverhead = 2048
    /// Answers queued beyond this stop the connection's reading until the client catches up;
    /// from there on, everything queued is charged to the peer.
    package static let writeBufferHighWatermark = 256 << 10
    /// Where reading resumes.
    package static let writeBufferLowWatermark = 64 << 10
    /// Answers a connection may have queued for a client that is not reading them; beyond, the
    /// connection is closed.
    package static let maxQueuedResponseBytes = 8 << 20

    package init() {}
}
