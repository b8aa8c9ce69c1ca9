import WebProfilesWire
import WebProfilesAPI
import WebProfilesStore

/// `webprofiles.v1.Health`: answers on both sockets whether the daemon serves.
package struct HealthService: Sendable {
    private let startedAt: ContinuousClock.Instant
    private let isDraining: @Sendable () -> Bool
    private let storage: @Sendable () -> StorageHealth.State

    package init(startedAt: ContinuousClock.Instant = .now, isDraining: @escaping @Sendable () -> Bool = { false },
                storage: @escaping @Sendable () -> StorageHealth.State = { .ok }) {
        self.startedAt = startedAt
        self.isDraining = isDraining
        self.storage = storage
    }

    /// Registers `Health/Check` on both listeners.
    package func register(in router: inout Router) {
        router.register(HealthAPI.check) { _, _ in
            let storage = storage()
            let status = isDraining() ? HealthCheckResponse.draining : storage == .ok ? HealthCheckResponse.serving : HealthCheckResponse.notServing
            return HealthCheckResponse(
                status: status,
                version: webProfilesVersion,
                uptimeSeconds: (ContinuousClock.now - startedAt).timeInterval,
                storage: storage.description
            )
        }
    }
}
