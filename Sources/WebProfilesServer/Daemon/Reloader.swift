import Logging
import Synchronization
import WebProfilesTransport
import WebProfilesWire

/// Applies a re-read configuration file to the running daemon, by the one table of settings
/// (``ConfigurationKeys``): every reloadable setting takes the file's value; every other keeps
/// its running value and is reported as needing a restart, at this reload and every later one,
/// until the daemon restarts.
final class Reloader: Sendable {
    private let current: Mutex<DaemonConfiguration>
    private let hooks: WebProfilesDaemon.Hooks
    private let accounts: AccountsService
    private let server: RPCServer
    private let logger: Logger

    init(configuration: DaemonConfiguration, hooks: WebProfilesDaemon.Hooks, accounts: AccountsService, server: RPCServer, logger: Logger) {
        self.current = Mutex(configuration)
        self.hooks = hooks
        self.accounts = accounts
        self.server = server
        self.logger = logger
    }

    /// The configuration in force.
    var configuration: DaemonConfiguration { current.withLock { $0 } }

    /// Re-reads the configuration and applies its reloadable settings: session, lockout,
    /// password and hashing policy, connection limits (for new connections), operator uids and
    /// the log level. Connections and sessions are kept. An invalid file changes nothing.
    /// - Returns: the settings whose file value differs from the running one but need a restart.
    func reload() async throws -> [String] {
        hooks.willReload()
        let running = configuration
        let file: DaemonConfiguration
        do {
            file = try hooks.loadConfiguration()
        } catch {
            logger.error("configuration rejected; keeping the previous one", metadata: ["reason": "\(error)"])
            hooks.didReload(running)
            throw RPCError(code: .failedPrecondition, message: "configuration rejected: \(error)")
        }
        let applied = ConfigurationKeys.reloading(running, from: file)
        do {
            try await accounts.update(configuration: applied.auth)
        } catch {
            logger.error("configuration rejected; keeping the previous one", metadata: ["reason": "\(error)"])
            hooks.didReload(running)
            throw RPCError(code: .failedPrecondition, message: "configuration rejected: \(error)")
        }
        server.update(limits: applied.limits, allowedUIDs: [.operator: WebProfilesDaemon.operatorUIDs(applied)])
        current.withLock { $0 = applied }
        let restart = ConfigurationKeys.restartOnlyChanges(from: applied, to: file)
        if !restart.isEmpty {
            logger.warning("some changed settings need a restart", metadata: ["settings": "\(restart.joined(separator: ", "))"])
        }
        logger.notice("configuration reloaded", metadata: ["log_level": "\(applied.logLevel)"])
        hooks.didReload(applied)
        return restart
    }
}
