import Logging
import ServiceLifecycle

/// Periodically writes in-memory session use to the database and purges expired sessions;
/// flushes once more on shutdown so nothing acknowledged is lost. It looks at the interval at
/// least once a second, so a reload that shortens it takes effect within a second.
struct SessionJanitor: Service {
    let accounts: AccountsService
    let logger: Logger

    func run() async throws {
        let clock = ContinuousClock()
        var last = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = accounts.configuration.sessionFlushInterval
            let due = last + interval
            if clock.now < due {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: min(due - clock.now, .seconds(1))) }
                if !Task.isShuttingDownGracefully && !Task.isCancelled && clock.now < last + accounts.configuration.sessionFlushInterval { continue }
            }
            last = clock.now
            do {
                try await accounts.flushAndPurge()
            } catch {
                logger.error("session maintenance failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
