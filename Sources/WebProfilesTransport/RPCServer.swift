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

/// Serves the RPC protocol on the daemon's listeners until a graceful shutdown.
///
/// A `Service`: `run()` binds (or adopts) every listener, reports readiness, and on graceful
/// shutdown sends GOAWAY to every connection, lets in-flight calls finish within the grace
/// period, closes what is left and removes the socket files it created.
package final class RPCServer: Service, Sendable {
    private let listeners: [ListenerConfiguration]
    /// Limits and allowed uids in force for new connections (a reload may change them).
    private let dynamic: Mutex<(limits: ConnectionLimits, allowedUIDs: [ListenerKind: Set<UInt32>])>
    private let dispatcher: any CallDispatcher
    private let group: any EventLoopGroup
    private let logger: Logger
    private let peerName: String
    private let connections: ConnectionRegistry
    private let budgets: [ListenerKind: PeerBudgets]
    private let readyPromise: EventLoopPromise<Void>
    /// The process's descriptor limit, read (and raised) once at start.
    private let descriptorLimit: Int

    /// - Parameter limits: limits of the API listener. The operator listener holds at most
    ///   ``DescriptorLimit/operatorConnections`` connections; both share the other limits.
    /// - Parameter connections: where the server keeps its connections (made by the caller when
    ///   something else reports on them).
    package init(listeners: [ListenerConfiguration], limits: ConnectionLimits, dispatcher: any CallDispatcher,
                peerName: String, connections: ConnectionRegistry = ConnectionRegistry(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.listeners = listeners
        var allowed: [ListenerKind: Set<UInt32>] = [:]
        for listener in listeners { allowed[listener.kind] = listener.allowedUIDs }
        self.dynamic = Mutex((limits, allowed))
        self.dispatcher = dispatcher
        self.group = group
        self.logger = logger
        self.peerName = peerName
        self.descriptorLimit = DescriptorLimit.raiseSoftLimit()
        self.connections = connections
        connections.setMaximum(DescriptorLimit.apiConnections(requested: limits.maxConnections, softLimit: descriptorLimit), for: .api)
        connections.setMaximum(DescriptorLimit.operatorConnections, for: .operator)
        self.budgets = [
            .api: PeerBudgets(maxConnectionsPerPeer: limits.maxConnectionsPerPeer, maxBytesPerPeer: limits.maxBufferedBytesPerPeer),
            .operator: PeerBudgets(maxConnectionsPerPeer: DescriptorLimit.operatorConnections, maxBytesPerPeer: limits.maxBufferedBytesPerPeer),
        ]
        self.readyPromise = group.next().makePromise(of: Void.self)
        warnIfConnectionsLowered(limits)
    }

    private func warnIfConnectionsLowered(_ limits: ConnectionLimits) {
        let fitting = connections.maximum(for: .api)
        if fitting < limits.maxConnections {
            logger.warning("fewer API connections than configured: the descriptor limit keeps a reserve for the operator socket and the database", metadata: [
                "max_connections": "\(limits.maxConnections)", "allowed": "\(fitting)", "descriptor_limit": "\(descriptorLimit)",
                "reserve": "\(DescriptorLimit.reserve + DescriptorLimit.operatorConnections)",
            ])
        }
    }

    /// Completes once every listener accepts connections; fails if binding failed.
    package func waitUntilReady() async throws {
        try await readyPromise.futureResult.get()
    }

    /// Whether a graceful shutdown has begun.
    package var isDraining: Bool { connections.isDraining }

    /// Connections currently open on all listeners.
    package var connectionCount: Int { connections.count }

    /// Connections currently open on one listener.
    package func connectionCount(of listener: ListenerKind) -> Int { connections.count(of: listener) }

    /// The limits new connections get.
    package var limits: ConnectionLimits { dynamic.withLock { $0.limits } }

    /// Changes the limits and allowed uids for connections accepted from now on; open
    /// connections keep theirs.
    package func update(limits: ConnectionLimits, allowedUIDs: [ListenerKind: Set<UInt32>]) {
        dynamic.withLock { $0 = (limits, allowedUIDs) }
        connections.setMaximum(DescriptorLimit.apiConnections(requested: limits.maxConnections, softLimit: descriptorLimit), for: .api)
        budgets[.api]?.update(maxConnectionsPerPeer: limits.maxConnectionsPerPeer, maxBytesPerPeer: limits.maxBufferedBytesPerPeer)
        budgets[.operator]?.update(maxConnectionsPerPeer: DescriptorLimit.operatorConnections, maxBytesPerPeer: limits.maxBufferedBytesPerPeer)
        warnIfConnectionsLowered(limits)
    }

    /// The most connections a listener accepts now.
    package func maxConnections(of listener: ListenerKind) -> Int { connections.maximum(for: listener) }

    package func run() async throws {
        var channels: [(any Channel, ListenerConfiguration)] = []
        var createdPaths: [String] = []
        do {
            for listener in listeners {
                let (channel, path) = try await bind(listener)
                channels.append((channel, listener))
                if let path { createdPaths.append(path) }
            }
        } catch {
            readyPromise.fail(error)
            for (channel, _) in channels { try? await channel.close() }
            for path in createdPaths { UnixSocketPath.remove(path) }
            throw error
        }
        readyPromise.succeed(())
        logger.info("listening", metadata: ["listeners": "\(listeners.map { "\($0.kind)=\(describe($0.source))" }.joined(separator: " "))"])

        // Wait for the graceful shutdown (or cancellation), then drain.
        try? await gracefulShutdown()
        logger.info("stopping: closing listeners and draining connections")
        for (channel, _) in channels { try? await channel.close() }
        for path in createdPaths { UnixSocketPath.remove(path) }
        await connections.drain(gracePeriod: limits.shutdownGracePeriod, logger: logger)
        logger.info("stopped")
    }

    private func describe(_ source: ListenerConfiguration.Source) -> String {
        switch source {
        case .path(let path, _): path
        case .descriptor(let fd): "fd:\(fd)"
        }
    }

    private func bootstrap(for listener: ListenerConfiguration) -> ServerBootstrap {
        let dispatcher = self.dispatcher
        let logger = self.logger
        let peerName = self.peerName
        let connections = self.connections
        let budgets = self.budgets[listener.kind]!
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            // Out of descriptors (EMFILE): stop accepting for a moment instead of spinning.
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler()) }
            }
            .childChannelOption(.autoRead, value: true)
            // A client that half-closes still gets the answers of the calls it made.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Stop reading a client that does not read its answers (BackPressureHandler below).
            .childChannelOption(.writeBufferWaterMark, value: .init(low: ConnectionLimits.writeBufferLowWatermark, high: ConnectionLimits.writeBufferHighWatermark))
            .childChannelInitializer { channel in
                PeerCredentials.read(from: channel).flatMapThrowing { peer in
                    let (limits, allowedUIDs) = self.dynamic.withLock { ($0.limits, $0.allowedUIDs[listener.kind]) }
                    var connectionLogger = logger
                    connectionLogger[metadataKey: "listener"] = "\(listener.kind)"
                    connectionLogger[metadataKey: "peer"] = "\(peer)"
                    if let allowed = allowedUIDs, !allowed.contains(peer.uid) {
                        connectionLogger.warning("refusing connection from a uid not allowed on this socket")
                        throw TransportError(message: "uid \(peer.uid) not allowed")
                    }
                    guard budgets.openConnection(uid: peer.uid) else {
                        connectionLogger.warning("refusing connection: the peer holds its maximum of connections", metadata: ["limit": "\(limits.maxConnectionsPerPeer)"])
                        throw TransportError(message: "too many connections from uid \(peer.uid)")
                    }
                    guard connections.add(channel, listener: listener.kind) else {
                        budgets.closeConnection(uid: peer.uid)
                        connectionLogger.warning("refusing connection: listener at its connection limit", metadata: ["limit": "\(connections.maximum(for: listener.kind))"])
                        throw TransportError(message: "too many connections")
                    }
                    channel.closeFuture.whenComplete { _ in
                        connections.remove(channel, listener: listener.kind)
                        budgets.closeConnection(uid: peer.uid)
                    }
                    let handler = ServerConnectionHandler(
                        dispatcher: dispatcher, limits: limits, peer: peer, listener: listener.kind, budgets: budgets,
                        serverPeerName: peerName, logger: connectionLogger
                    )
                    try channel.pipeline.syncOperations.addHandler(BackPressureHandler())
                    try channel.pipeline.syncOperations.addHandler(handler)
                }.flatMapError { error in
                    // Refused: close before reading any frame.
                    channel.close().flatMapThrowing { throw error }
                }
            }
    }

    private func bind(_ listener: ListenerConfiguration) async throws -> (any Channel, String?) {
        let bootstrap = bootstrap(for: listener)
        switch listener.source {
        case .descriptor(let fd):
            return (try await bootstrap.withBoundSocket(fd).get(), nil)
        case .path(let path, let mode):
            try UnixSocketPath.createParentDirectory(of: path)
            try UnixSocketPath.removeStaleSocket(at: path)
            // Bind under a temporary name, set the mode, then move into place: the socket is
            // never reachable with the wrong permissions.
            let temporary = "\(path).\(getpid()).tmp"
            UnixSocketPath.remove(temporary)
            let channel = try await bootstrap.bind(unixDomainSocketPath: temporary).get()
            do {
                try UnixSocketPath.setMode(temporary, mode)
                try UnixSocketPath.rename(temporary, to: path)
            } catch {
                try? await channel.close()
                UnixSocketPath.remove(temporary)
                throw error
            }
            return (channel, path)
        }
    }
}
