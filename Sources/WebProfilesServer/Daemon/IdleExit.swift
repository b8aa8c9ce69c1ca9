import Logging
import ServiceLifecycle
import WebProfilesTransport

/// Ends the daemon after `after` without any connection (socket activation starts it again on
/// the next call; sessions are in the database).
struct IdleExit: Service {
    let server: RPCServer
    let after: Duration
    let logger: Logger

    func run() async throws {
        let clock = ContinuousClock()
        var idleSince = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: min(after / 4, .seconds(1))) }
            if server.connectionCount > 0 {
                idleSince = clock.now
            } else if clock.now - idleSince >= after {
                logger.notice("no connection for \(after): exiting until the socket starts us again")
                return
            }
        }
    }
}
