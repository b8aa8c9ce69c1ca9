/// `webprofiles.v1.Health`: liveness of the daemon, on both sockets.
public enum HealthAPI {
    /// `Health/Check {}` → ``HealthCheckResponse``.
    public static let check = MethodDescriptor<Empty, HealthCheckResponse>(service: "Health", method: "Check")
}

/// The answer to `Health/Check`.
public struct HealthCheckResponse: Codable, Hashable, Sendable {
    public static let serving = "serving"
    public static let notServing = "notServing"
    public static let draining = "draining"

    /// `serving` while the daemon accepts calls, `notServing` while its storage fails (see
    /// ``storage``), `draining` during shutdown.
    public var status: String
    /// The daemon's version.
    public var version: String
    /// Seconds since the daemon started.
    public var uptimeSeconds: Double
    /// `ok`, or what fails: `unavailable: <reason>` (disk full, read-only, locked, I/O error) or
    /// `data loss: <reason>` (corrupt database). Absent from older daemons.
    public var storage: String?

    public init(status: String, version: String, uptimeSeconds: Double, storage: String? = nil) {
        self.status = status
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.storage = storage
    }
}
