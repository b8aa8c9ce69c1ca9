#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import ServiceLifecycle
import Synchronization
import WebProfilesAPI
import WebProfilesStore
import WebProfilesTransport

/// Assembles the daemon: the store, the directory of sessions, the router with every service
/// and the RPC server on both listeners.
public final class WebProfilesDaemon: Sendable {
    public let configuration: DaemonConfiguration
    /// The RPC server; run it in a `ServiceGroup`.
    public let server: RPCServer
    public let directory: Directory
    private let janitor: SessionJanitor

    public init(configuration: DaemonConfiguration, logger: Logger) throws {
        self.configuration = configuration
        let startedAt = ContinuousClock.now
        let store = try ProfileStore.open(path: configuration.databasePath) { events in
            AuditLogging.log(events, to: logger)
        }
        let hasher = try PasswordHasher(parameters: configuration.auth.argon2, threads: configuration.auth.hashingThreads)
        let directory = Directory(store: store, hasher: hasher, configuration: configuration.auth, logger: logger)
        self.directory = directory

        var router = Router()
        router.add(interceptor: SessionAuthenticator(directory: directory))
        HealthService(startedAt: startedAt).register(in: &router)
        SessionService(directory: directory).register(in: &router)
        ProfilesService(directory: directory).register(in: &router)
        // The operator's Stats reports the server's connections; the server is built after the
        // router, so the service reads it through this box.
        let serverBox = Mutex<RPCServer?>(nil)
        OperatorService(directory: directory, connectionCount: { serverBox.withLock { $0?.connectionCount ?? 0 } }, startedAt: startedAt)
            .register(in: &router)

        let operatorUIDs = configuration.operatorUIDs.isEmpty ? [0, getuid()] : configuration.operatorUIDs
        let server = RPCServer(
            listeners: [
                ListenerConfiguration(kind: .api, source: configuration.apiListener),
                ListenerConfiguration(kind: .operator, source: configuration.operatorListener, allowedUIDs: operatorUIDs),
            ],
            limits: configuration.limits,
            dispatcher: router,
            peerName: "webprofiled/\(webProfilesVersion)",
            logger: logger
        )
        serverBox.withLock { $0 = server }
        self.server = server
        self.janitor = SessionJanitor(directory: directory, logger: logger)
    }

    /// The services to run, in start order.
    public var services: [any Service] { [janitor, server] }
}
