import NIOCore
import NIOPosix
import Synchronization
import WebProfilesWire

/// One open, HELLO-completed connection to the daemon.
final class ClientConnection: Sendable {
    let channel: any Channel
    let serverHello: Hello
    private let handler: NIOLoopBound<ClientConnectionHandler>
    private let usability: ConnectionUsability
    private let nextStreamID = Atomic<UInt32>(0)

    private init(channel: any Channel, handler: NIOLoopBound<ClientConnectionHandler>, usability: ConnectionUsability, serverHello: Hello) {
        self.channel = channel
        self.handler = handler
        self.usability = usability
        self.serverHello = serverHello
    }

    /// Connects to `path` and exchanges HELLO.
    static func connect(path: String, group: any EventLoopGroup, peerName: String, maxFrameBytes: Int) async throws -> ClientConnection {
        let eventLoop = group.next()
        let helloPromise = eventLoop.makePromise(of: Hello.self)
        let usability = ConnectionUsability()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
                        try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(helloPromise: helloPromise, usability: usability))
                    }
                }
                .connect(unixDomainSocketPath: path).get()
        } catch {
            helloPromise.fail(error)
            throw RPCError(code: .unavailable, message: "cannot connect to webprofiled at \(path): \(error)", cause: error)
        }
        let handler: NIOLoopBound<ClientConnectionHandler>
        do {
            handler = try await eventLoop.submit {
                let handler = try channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self)
                var buffer = channel.allocator.buffer(capacity: 64)
                Frame(kind: .hello, payload: try Payload.encode(Hello(peer: peerName, maxFrameBytes: maxFrameBytes))).write(to: &buffer)
                channel.writeAndFlush(buffer, promise: nil)
                return NIOLoopBound(handler, eventLoop: eventLoop)
            }.get()
        } catch {
            // The server closed the connection at once (refused peer, connection limit).
            helloPromise.fail(error)
            try? await channel.close()
            throw RPCError(code: .unavailable, message: "webprofiled at \(path) closed the connection", cause: error)
        }
        do {
            let hello = try await helloPromise.futureResult.get()
            guard hello.protocolName == Hello.protocolName, hello.version == Hello.currentVersion else {
                throw RPCError(code: .failedPrecondition, message: "server speaks \(hello.protocolName) v\(hello.version), not \(Hello.protocolName) v\(Hello.currentVersion)")
            }
            return ClientConnection(channel: channel, handler: handler, usability: usability, serverHello: hello)
        } catch let error as RPCError {
            try? await channel.close()
            throw error
        } catch {
            try? await channel.close()
            throw RPCError(code: .unavailable, message: "webprofiled at \(path) closed the connection during HELLO", cause: error)
        }
    }

    /// Whether new calls may use this connection.
    var acceptsCalls: Bool { usability.isUsable }

    /// Runs one call: sends the REQUEST, waits for its RESPONSE frame; cancellation of the
    /// calling task and the local deadline both send CANCEL.
    func call(payload: consuming ByteBuffer, timeout: Duration?) async throws -> Frame {
        guard UInt64(Frame.headerBytesAfterLength + payload.readableBytes) <= serverHello.maxFrameBytes else {
            throw RPCError(code: .resourceExhausted, message: "request of \(payload.readableBytes) bytes exceeds the server's maximum frame size \(serverHello.maxFrameBytes)")
        }
        let streamID = allocateStreamID()
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: Frame.self)
        let handler = self.handler
        var owned: ByteBuffer? = consume payload
        if eventLoop.inEventLoop {
            // A caller running on the event loop (see EventLoopTaskExecutor) starts it directly,
            // handing the buffer over (its only owner: framed in place without a copy).
            handler.value.start(streamID: streamID, payload: owned.take()!, promise: promise)
        } else {
            let payload = owned.take()!
            eventLoop.execute {
                handler.value.start(streamID: streamID, payload: payload, promise: promise)
            }
        }
        var timer: Scheduled<Void>?
        if let timeout {
            timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                handler.value.cancel(streamID: streamID, error: RPCError(code: .deadlineExceeded, message: "deadline exceeded"))
            }
        }
        defer { timer?.cancel() }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            eventLoop.execute {
                handler.value.cancel(streamID: streamID, error: RPCError(code: .cancelled, message: "call cancelled"))
            }
        }
    }

    private func allocateStreamID() -> UInt32 {
        while true {
            let id = nextStreamID.add(1, ordering: .relaxed).newValue
            if id != 0 { return id }
        }
    }

    func close() async {
        try? await channel.close()
    }
}
