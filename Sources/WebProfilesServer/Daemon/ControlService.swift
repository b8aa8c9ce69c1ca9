import Logging
import ServiceLifecycle
import UnixSignals

/// Carries out what the operator plane asks of the running daemon (``DaemonControl``), and
/// reloads on SIGHUP, one request at a time, until the graceful shutdown.
struct ControlService: Service {
    let control: DaemonControl
    let reloader: Reloader
    /// Whether SIGHUP asks for a reload (the executable; a daemon embedded in tests does not trap
    /// the process's signals).
    let reloadsOnHangup: Bool
    let logger: Logger

    func run() async throws {
        let (control, reloader, logger) = (self.control, self.reloader, self.logger)
        await withDiscardingTaskGroup { group in
            if reloadsOnHangup {
                group.addTask {
                    // Made in the task, so that waiting for the signal's registration never holds
                    // the requests up, and a cancellation ends it.
                    let signals = await UnixSignalsSequence(trapping: .sighup)
                    for await _ in signals {
                        logger.info("SIGHUP: reloading the configuration")
                        _ = try? await control.ask(.reload)
                    }
                }
            }
            group.addTask {
                for await envelope in control.requests {
                    switch envelope.request {
                    case .reload:
                        envelope.reply.resume(with: await Result(catching: { try await reloader.reload() }))
                    }
                }
            }
            // Requests still waiting when this ends are answered UNAVAILABLE (``DaemonControl/Reply``).
            try? await gracefulShutdown()
            control.finish()
            group.cancelAll()
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
