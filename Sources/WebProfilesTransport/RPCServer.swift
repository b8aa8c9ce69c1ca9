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
public final class RPCServer: Service, Sendable {
    private let listeners: [ListenerConfiguration]
    /// Limits and allowed uids in force for new connections (a reload may change them).
    private let dynamic: Mutex<(limits: ConnectionLimits, allowedUIDs: [ListenerKind: Set<UInt32>])>
    private let dispatcher: any CallDispatcher
    private let group: any EventLoopGroup
    private let logger: Logger
    private let peerName: String
    private let connections: ConnectionRegistry
    private let readyPromise: EventLoopPromise<Void>

    public init(listeners: [ListenerConfiguration], limits: ConnectionLimits, dispatcher: any CallDispatcher,
                peerName: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.listeners = listeners
        var allowed: [ListenerKind: Set<UInt32>] = [:]
        for listener in listeners { allowed[listener.kind] = listener.allowedUIDs }
        self.dynamic = Mutex((limits, allowed))
        self.dispatcher = dispatcher
        self.group = group
        self.logger = logger
        self.peerName = peerName
        self.connections = ConnectionRegistry(maxPerListener: limits.maxConnections)
        self.readyPromise = group.next().makePromise(of: Void.self)
    }

    /// Completes once every listener accepts connections; fails if binding failed.
    public func waitUntilReady() async throws {
        try await readyPromise.futureResult.get()
    }

    /// Connections currently open, by listener.
    public var connectionCount: Int { connections.count }

    /// The limits new connections get.
    public var limits: ConnectionLimits { dynamic.withLock { $0.limits } }

    /// Changes the limits and allowed uids for connections accepted from now on; open
    /// connections keep theirs.
    public func update(limits: ConnectionLimits, allowedUIDs: [ListenerKind: Set<UInt32>]) {
        dynamic.withLock { $0 = (limits, allowedUIDs) }
        connections.maxPerListener = limits.maxConnections
    }

    public func run() async throws {
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
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.autoRead, value: true)
            // Stop reading a client that does not read its answers (BackPressureHandler below).
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
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
                    guard connections.add(channel, listener: listener.kind) else {
                        connectionLogger.warning("refusing connection: listener at its connection limit", metadata: ["limit": "\(limits.maxConnections)"])
                        throw TransportError(message: "too many connections")
                    }
                    let handler = ServerConnectionHandler(
                        dispatcher: dispatcher, limits: limits, peer: peer, listener: listener.kind,
                        serverPeerName: peerName, logger: connectionLogger
                    )
                    try channel.pipeline.syncOperations.addHandler(BackPressureHandler())
                    try channel.pipeline.syncOperations.addHandler(handler)
                    channel.closeFuture.whenComplete { _ in connections.remove(channel, listener: listener.kind) }
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

/// The open connections of all listeners, for limits, statistics and the final drain.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var perListener: [ListenerKind: Int] = [:]
        var draining = false
        var maxPerListener: Int
    }
    private let state: Mutex<State>

    init(maxPerListener: Int) { state = Mutex(State(maxPerListener: maxPerListener)) }

    var maxPerListener: Int {
        get { state.withLock { $0.maxPerListener } }
        set { state.withLock { $0.maxPerListener = newValue } }
    }

    var count: Int { state.withLock { $0.channels.count } }

    func add(_ channel: any Channel, listener: ListenerKind) -> Bool {
        state.withLock { state in
            guard !state.draining, state.perListener[listener, default: 0] < state.maxPerListener else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            state.perListener[listener, default: 0] += 1
            return true
        }
    }

    func remove(_ channel: any Channel, listener: ListenerKind) {
        state.withLock { state in
            if state.channels.removeValue(forKey: ObjectIdentifier(channel)) != nil {
                state.perListener[listener, default: 1] -= 1
            }
        }
    }

    /// Sends every connection a drain request, waits for them to close within `gracePeriod`,
    /// then closes the rest.
    func drain(gracePeriod: Duration, logger: Logger) async {
        let channels = state.withLock { state in
            state.draining = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ServerConnectionHandler.Drain())
        }
        let clock = ContinuousClock()
        let deadline = clock.now + gracePeriod
        while count > 0 && clock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let remaining = state.withLock { Array($0.channels.values) }
        if !remaining.isEmpty {
            logger.warning("grace period over: closing connections with calls still in flight", metadata: ["connections": "\(remaining.count)"])
            for channel in remaining { try? await channel.close() }
        }
    }
}
