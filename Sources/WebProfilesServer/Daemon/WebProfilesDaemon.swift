#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import WebProfilesAPI
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// Assembles the daemon: the store, the accounts of sessions, the router with every service,
/// the RPC server on both listeners, and reloads of the configuration.
public final class WebProfilesDaemon: Sendable {
    /// What the executable plugs in: how to read the configuration again, and what to do around
    /// a reload (log level, service-manager notifications).
    public struct Hooks: Sendable {
        public var loadConfiguration: @Sendable () throws -> DaemonConfiguration
        public var willReload: @Sendable () -> Void
        public var didReload: @Sendable (DaemonConfiguration) -> Void

        public init(loadConfiguration: @escaping @Sendable () throws -> DaemonConfiguration,
                    willReload: @escaping @Sendable () -> Void = {}, didReload: @escaping @Sendable (DaemonConfiguration) -> Void = { _ in }) {
            self.loadConfiguration = loadConfiguration
            self.willReload = willReload
            self.didReload = didReload
        }
    }

    public let server: RPCServer
    public let accounts: AccountsService
    private let current: Mutex<DaemonConfiguration>
    private let hooks: Hooks
    private let logger: Logger
    private let group: any EventLoopGroup

    /// The configuration in force.
    public var configuration: DaemonConfiguration { current.withLock { $0 } }

    public init(configuration: DaemonConfiguration, hooks: Hooks, logger: Logger,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.current = Mutex(configuration)
        self.hooks = hooks
        self.logger = logger
        self.group = group
        let startedAt = ContinuousClock.now
        let storageHealth = StorageHealth { old, new in
            switch new {
            case .ok:
                logger.notice("storage works again", metadata: ["MESSAGE_ID": "\(JournalMessageID.storageRecovered)", "was": "\(old)"])
            case .unavailable, .dataLoss:
                logger.error("storage failing: \(new)", metadata: ["MESSAGE_ID": "\(JournalMessageID.storageFailing)", "storage": "\(new)"])
            }
        }
        let store = ProfileStore.open(path: configuration.databasePath, health: storageHealth) { events in
            AuditLogging.log(events, to: logger)
        }
        let hasher = try PasswordHasher(parameters: configuration.auth.argon2, threads: configuration.auth.hashingThreads)
        let accounts = AccountsService(store: store, hasher: hasher, configuration: configuration.auth, logger: logger)
        self.accounts = accounts

        var router = Router()
        router.add(interceptor: SessionInterceptor(authorizer: accounts.authorizer))
        let drainingBox = Mutex<RPCServer?>(nil)
        HealthService(startedAt: startedAt, isDraining: { drainingBox.withLock { $0?.isDraining ?? false } },
                      storage: { storageHealth.state }).register(in: &router)
        SessionService(accounts: accounts).register(in: &router)
        ProfilesService(accounts: accounts).register(in: &router)
        // The operator service reports the server's connections and triggers reloads; both are
        // built after the router, so it reaches them through this box.
        let box = Mutex<WebProfilesDaemon?>(nil)
        OperatorService(accounts: accounts, connectionCount: { box.withLock { $0?.server.connectionCount ?? 0 } }, startedAt: startedAt)
            .register(in: &router)
        router.register(OperatorAPI.reload, on: [.operator]) { _, _ in
            guard let daemon = box.withLock({ $0 }) else { throw RPCError(code: .unavailable, message: "starting") }
            return ReloadResponse(restartRequired: try await daemon.reload())
        }

        server = RPCServer(
            listeners: [
                ListenerConfiguration(kind: .api, source: configuration.apiListener),
                ListenerConfiguration(kind: .operator, source: configuration.operatorListener, allowedUIDs: Self.operatorUIDs(configuration)),
            ],
            limits: configuration.limits, dispatcher: router, peerName: "webprofiled/\(webProfilesVersion)", group: group, logger: logger
        )
        box.withLock { $0 = self }
        drainingBox.withLock { $0 = server }
    }

    static func operatorUIDs(_ configuration: DaemonConfiguration) -> Set<UInt32> {
        configuration.operatorUIDs.isEmpty ? [0, getuid()] : configuration.operatorUIDs
    }

    /// The services to run in one `ServiceGroup`, in start order.
    public var services: [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: StorageProbe(store: accounts.store, now: accounts.now)),
            .init(service: SessionJanitor(accounts: accounts, logger: logger)),
            .init(service: server),
            .init(service: ReloadOnHangup(daemon: self, logger: logger)),
        ]
        if let idle = configuration.exitWhenIdle {
            services.append(.init(service: IdleExit(server: server, after: idle, logger: logger), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        return services
    }

    /// Re-reads the configuration and applies what can change while running: session, lockout,
    /// password and hashing policy, connection limits for new connections, operator uids and
    /// the log level. Connections and sessions are kept. An invalid file changes nothing.
    /// - Returns: the changed settings that need a restart.
    @discardableResult
    public func reload() async throws -> [String] {
        hooks.willReload()
        let old = configuration
        let new: DaemonConfiguration
        do {
            new = try hooks.loadConfiguration()
            try await accounts.update(configuration: new.auth)
        } catch {
            logger.error("configuration rejected; keeping the previous one", metadata: ["reason": "\(error)"])
            hooks.didReload(old)
            throw RPCError(code: .failedPrecondition, message: "configuration rejected: \(error)")
        }
        server.update(limits: new.limits, allowedUIDs: [.operator: Self.operatorUIDs(new)])
        var applied = new
        // Settings needing a restart keep their running values.
        applied.socketPath = old.socketPath
        applied.operatorSocketPath = old.operatorSocketPath
        applied.databasePath = old.databasePath
        applied.inheritedDescriptors = old.inheritedDescriptors
        current.withLock { $0 = applied }
        let restart = ConfigurationKeys.restartOnlyChanges(from: old, to: new)
        if !restart.isEmpty {
            logger.warning("some changed settings need a restart", metadata: ["settings": "\(restart.joined(separator: ", "))"])
        }
        logger.notice("configuration reloaded", metadata: ["log_level": "\(new.logLevel)"])
        hooks.didReload(applied)
        return restart
    }

    /// Proves the daemon is alive for the watchdog: every event loop runs a task within
    /// `timeout`. The database is not part of it: a storage fault shows in `Health/Check` and the
    /// status line, and restarting the daemon would not mend it (see ``StorageProbe``).
    public func healthCheck(timeout: Duration = .seconds(5)) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for loop in self.group.makeIterator() { try await loop.submit {}.get() }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw RPCError(code: .deadlineExceeded, message: "health check took longer than \(timeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// A one-line summary for `systemctl status`.
    public var statusLine: String {
        let storage = accounts.store.health.state
        return "\(server.connectionCount) connections, \(accounts.cachedSessionCount) sessions in use" + (storage == .ok ? "" : "; storage \(storage)")
    }
}
