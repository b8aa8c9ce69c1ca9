import WebProfilesAPI

/// `webprofiles.v1.Health`: answers on both sockets whether the daemon serves.
public struct HealthService: Sendable {
    private let startedAt: ContinuousClock.Instant
    private let isDraining: @Sendable () -> Bool

    public init(startedAt: ContinuousClock.Instant = .now, isDraining: @escaping @Sendable () -> Bool = { false }) {
        self.startedAt = startedAt
        self.isDraining = isDraining
    }

    /// Registers `Health/Check` on both listeners.
    public func register(in router: inout Router) {
        router.register(HealthAPI.check) { _, _ in
            let uptime = ContinuousClock.now - startedAt
            let (seconds, attoseconds) = uptime.components
            return HealthCheckResponse(
                status: isDraining() ? "draining" : "serving",
                version: webProfilesVersion,
                uptimeSeconds: Double(seconds) + Double(attoseconds) / 1e18
            )
        }
    }
}
