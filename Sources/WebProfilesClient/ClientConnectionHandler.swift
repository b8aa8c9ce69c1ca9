import NIOCore
import Synchronization
import WebProfilesWire

/// Whether a connection may start new calls, readable from any thread without a hop to the
/// event loop (the handler clears it on GOAWAY, errors and close).
final class ConnectionUsability: Sendable {
    private let usable = Atomic<Bool>(true)
    var isUsable: Bool { usable.load(ordering: .relaxed) }
    func markUnusable() { usable.store(false, ordering: .relaxed) }
}

/// The client side of one connection, on its event loop: HELLO, matching RESPONSE frames to
/// waiting calls by stream id, PING/PONG, and GOAWAY.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    enum State {
        /// HELLO sent, waiting for the server's.
        case awaitingHello(EventLoopPromise<Hello>)
        /// Calls flow.
        case ready
        /// The server sent GOAWAY: calls up to `lastStreamID` may still be answered.
        case goingAway(lastStreamID: UInt32)
        case closed
    }

    private var state: State
    private var pending: [UInt32: EventLoopPromise<Frame>] = [:]
    private var context: ChannelHandlerContext?
    private var flushScheduled = false

    private let usability: ConnectionUsability

    init(helloPromise: EventLoopPromise<Hello>, usability: ConnectionUsability) {
        state = .awaitingHello(helloPromise)
        self.usability = usability
    }

    /// How long the server may take to answer HELLO.
    static let helloTimeout: TimeAmount = .seconds(10)

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // A server that accepts but never answers HELLO must not hang the caller.
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.helloTimeout) {
            let (handler, context) = loopBound.value
            if case .awaitingHello = handler.state {
                handler.fail(context: context, RPCError(code: .unavailable, message: "webprofiled did not answer HELLO within 10 s"))
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.kind {
        case .hello:
            guard case .awaitingHello(let promise) = state else {
                return fail(context: context, RPCError(code: .internal, message: "server sent HELLO twice"))
            }
            do {
                let hello = try Payload.decode(Hello.self, from: frame.payload, limits: Payload.responseLimits)
                state = .ready
                promise.succeed(hello)
            } catch {
                fail(context: context, RPCError(code: .internal, message: "undecodable server HELLO: \(error)"))
            }
        case .response:
            pending.removeValue(forKey: frame.streamID)?.succeed(frame)
            closeIfDone(context: context)
        case .ping:
            send(Frame(kind: .pong, payload: frame.payload), context: context)
        case .pong, .request, .cancel:
            break
        case .goaway:
            let goAway = try? Payload.decode(GoAway.self, from: frame.payload, limits: Payload.responseLimits)
            let last = goAway?.lastStreamId ?? 0
            let message = goAway?.message ?? "server sent GOAWAY"
            if case .awaitingHello(let promise) = state {
                promise.fail(RPCError(code: frame.status == .ok ? .unavailable : frame.status, message: message))
            }
            state = .goingAway(lastStreamID: last)
            usability.markUnusable()
            // Calls the server will not answer are retryable elsewhere.
            for (id, promise) in pending where id > last {
                pending.removeValue(forKey: id)
                promise.fail(RPCError(code: .unavailable, message: "server is going away: \(message)"))
            }
            closeIfDone(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RPCError(code: .unavailable, message: "connection to webprofiled closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let rpcError = (error as? FrameError).map { RPCError(code: .internal, message: "protocol error from server: \($0.message)") }
            ?? RPCError(code: .unavailable, message: "connection error: \(error)")
        fail(context: context, rpcError)
    }

    // MARK: Calls (all on the event loop)

    /// Sends a REQUEST; `promise` gets the RESPONSE frame or an ``RPCError``.
    func start(streamID: UInt32, payload: consuming ByteBuffer, promise: EventLoopPromise<Frame>) {
        guard let context, case .ready = state else {
            return promise.fail(RPCError(code: .unavailable, message: "connection is not accepting calls"))
        }
        pending[streamID] = promise
        if payload.readerIndex >= Frame.headerBytes {
            // Written with room for the header (``AuthorizeRequestWriter``): framed where it is.
            var framed = consume payload
            Frame.frameInPlace(&framed, kind: .request, streamID: streamID)
            write(framed, context: context)
        } else {
            send(Frame(kind: .request, streamID: streamID, payload: payload), context: context)
        }
    }

    /// Stops waiting for a call and tells the server (CANCEL); no-op once answered.
    func cancel(streamID: UInt32, error: RPCError) {
        guard let promise = pending.removeValue(forKey: streamID) else { return }
        promise.fail(error)
        if let context { send(Frame(kind: .cancel, streamID: streamID), context: context) }
    }

    private func send(_ frame: Frame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: Frame.headerBytes + frame.payload.readableBytes)
        frame.write(to: &buffer)
        write(buffer, context: context)
    }

    /// Writes a whole frame; flushed once for all the calls started in the same event-loop tick.
    private func write(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(buffer), promise: nil)
        // Coalesce flushes of calls started in the same event-loop tick.
        if !flushScheduled {
            flushScheduled = true
            context.eventLoop.assumeIsolated().execute {
                self.flushScheduled = false
                self.context?.flush()
            }
        }
    }

    private func fail(context: ChannelHandlerContext, _ error: RPCError) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: RPCError) {
        usability.markUnusable()
        if case .awaitingHello(let promise) = state { promise.fail(error) }
        state = .closed
        let waiting = pending
        pending.removeAll()
        for promise in waiting.values { promise.fail(error) }
    }

    private func closeIfDone(context: ChannelHandlerContext) {
        if case .goingAway = state, pending.isEmpty { context.close(promise: nil) }
    }
}
