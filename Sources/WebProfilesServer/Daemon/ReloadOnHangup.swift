import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on every SIGHUP.
struct ReloadOnHangup: Service {
    let daemon: WebProfilesDaemon
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                logger.info("SIGHUP: reloading the configuration")
                _ = try? await daemon.reload()
            }
        }
    }
}
