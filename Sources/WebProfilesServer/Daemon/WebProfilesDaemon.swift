#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import ServiceLifecycle
import WebProfilesAPI
import WebProfilesTransport

/// Assembles the daemon: the router with every service, and the RPC server on both listeners.
public final class WebProfilesDaemon: Sendable {
    public let configuration: DaemonConfiguration
    /// The RPC server; run it in a `ServiceGroup`.
    public let server: RPCServer

    public init(configuration: DaemonConfiguration, logger: Logger) throws {
        self.configuration = configuration
        var router = Router()
        HealthService().register(in: &router)

        let operatorUIDs = configuration.operatorUIDs.isEmpty ? [0, getuid()] : configuration.operatorUIDs
        server = RPCServer(
            listeners: [
                ListenerConfiguration(kind: .api, source: configuration.apiListener),
                ListenerConfiguration(kind: .operator, source: configuration.operatorListener, allowedUIDs: operatorUIDs),
            ],
            limits: configuration.limits,
            dispatcher: router,
            peerName: "webprofiled/\(webProfilesVersion)",
            logger: logger
        )
    }

    /// The services to run, in start order.
    public var services: [any Service] { [server] }
}
