import Logging
import ServiceLifecycle

/// Periodically writes in-memory session use to the database and purges expired sessions;
/// flushes once more on shutdown so nothing acknowledged is lost.
struct SessionJanitor: Service {
    let accounts: AccountsService
    let logger: Logger

    func run() async throws {
        let interval = accounts.configuration.sessionFlushInterval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            do {
                try await accounts.flushAndPurge()
            } catch {
                logger.error("session maintenance failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
