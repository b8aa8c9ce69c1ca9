import Logging
import ServiceLifecycle

/// Keeps the service manager informed: `READY=1` once the daemon serves, a current `STATUS=`,
/// `WATCHDOG=1` at half the watchdog interval after proving the daemon healthy, and
/// `STOPPING=1` on shutdown. Without `NOTIFY_SOCKET` it does nothing but wait.
package struct ServiceManagerNotifications: Service {
    let notifier: SystemdNotifier
    let ready: @Sendable () async throws -> Void
    let status: @Sendable () -> String
    let healthCheck: @Sendable () async throws -> Void
    let logger: Logger

    /// - Parameters:
    ///   - ready: returns once the daemon accepts calls (database open, listeners bound).
    ///   - status: the one-line status to show in `systemctl status`.
    ///   - healthCheck: throws or hangs when the daemon is stuck; the watchdog is only petted
    ///     after it succeeds.
    package init(notifier: SystemdNotifier = SystemdNotifier(), ready: @escaping @Sendable () async throws -> Void,
                status: @escaping @Sendable () -> String, healthCheck: @escaping @Sendable () async throws -> Void, logger: Logger) {
        self.notifier = notifier
        self.ready = ready
        self.status = status
        self.healthCheck = healthCheck
        self.logger = logger
    }

    package func run() async throws {
        try await ready()
        notifier.ready(status: status())
        let watchdog = notifier.watchdogInterval
        if let watchdog { logger.info("watchdog enabled", metadata: ["interval": "\(watchdog)"]) }
        let period = watchdog.map { $0 / 2 } ?? .seconds(5)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if watchdog != nil {
                do {
                    try await healthCheck()
                    notifier.watchdog()
                } catch {
                    logger.error("health check failed: not petting the watchdog", metadata: ["error": "\(error)"])
                }
            }
            notifier.status(status())
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
        }
        notifier.stopping()
    }
}
