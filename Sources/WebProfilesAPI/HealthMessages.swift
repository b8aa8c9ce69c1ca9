/// `webprofiles.v1.Health`: liveness of the daemon, on both sockets.
public enum HealthAPI {
    /// `Health/Check {}` → ``HealthCheckResponse``.
    public static let check = MethodDescriptor<Empty, HealthCheckResponse>(service: "Health", method: "Check")
}

/// The answer to `Health/Check`.
public struct HealthCheckResponse: Codable, Hashable, Sendable {
    /// `serving` while the daemon accepts calls, `draining` during shutdown.
    public var status: String
    /// The daemon's version.
    public var version: String
    /// Seconds since the daemon started.
    public var uptimeSeconds: Double

    public init(status: String, version: String, uptimeSeconds: Double) {
        self.status = status
        self.version = version
        self.uptimeSeconds = uptimeSeconds
    }
}
