import CBOR
import Logging
import NIOCore
import WebProfilesWire

/// Runs the server side of one connection: HELLO, calls, cancellation, deadlines, PING, GOAWAY,
/// and the per-connection limits. A call the ``CallDispatcher`` can answer at once (from memory)
/// is answered on the channel's event loop; the others run as tasks. Everything else happens on
/// the event loop.
public final class ServerConnectionHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Asks the connection to stop taking calls, finish those in flight and close.
    public struct Drain: Sendable {
        public init() {}
    }

    /// The connection's protocol state.
    enum State {
        /// Connected; the first frame must be HELLO.
        case awaitingHello
        /// HELLO exchanged; calls are accepted.
        case active
        /// GOAWAY sent or received: no new calls; close once in-flight calls are done.
        case draining
        /// Closed or closing: nothing more is read or written.
        case closed
    }

    private struct InFlightCall {
        /// Distinguishes this call from a later one reusing its stream id after it was answered.
        var token: UInt64
        /// Payload bytes held for the call (counted against the connection's budget).
        var bytes: Int
        var task: Task<Void, Never>?
        var timeout: Scheduled<Void>?
    }

    /// The smallest `maxFrameBytes` a client may advertise.
    static let minimumPeerFrameBytes: UInt64 = 256

    private let dispatcher: any CallDispatcher
    private let limits: ConnectionLimits
    private let peer: PeerCredentials
    private let listener: ListenerKind
    private let serverPeerName: String
    private var logger: Logger

    private var state: State = .awaitingHello
    private var processor: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    private var calls: [UInt32: InFlightCall] = [:]
    private var nextCallToken: UInt64 = 0
    private var inFlightBytes = 0
    private var highestStreamID: UInt32 = 0
    /// The largest frame the client accepts (its HELLO).
    private var peerMaxFrameBytes = UInt64(Frame.defaultMaxFrameBytes)
    private var frameTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private var needsFlush = false

    public init(dispatcher: any CallDispatcher, limits: ConnectionLimits, peer: PeerCredentials, listener: ListenerKind, serverPeerName: String, logger: Logger) {
        self.dispatcher = dispatcher
        self.limits = limits
        self.peer = peer
        self.listener = listener
        self.serverPeerName = serverPeerName
        self.logger = logger
        self.processor = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameBytes: limits.maxFrameBytes))
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { armFrameTimer(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        // The HELLO must arrive within the frame timeout of connecting.
        armFrameTimer(context: context)
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        tearDown()
        self.context = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        tearDown()
        context.fireChannelInactive()
    }

    private func tearDown() {
        state = .closed
        frameTimer?.cancel()
        idleTimer?.cancel()
        for call in calls.values {
            call.task?.cancel()
            call.timeout?.cancel()
        }
        calls.removeAll()
        inFlightBytes = 0
    }

    // MARK: Reading

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closed = state { return }
        read(context: context, buffer: unwrapInboundIn(data))
    }

    private func read(context: ChannelHandlerContext, buffer: ByteBuffer) {
        idleTimer?.cancel()
        idleTimer = nil
        var completedFrame = false
        do {
            try processor.process(buffer: buffer) { frame in
                completedFrame = true
                self.handle(frame: frame, context: context)
            }
        } catch let error as FrameError {
            goAway(context: context, status: error.status, message: error.message, close: true)
            return
        } catch {
            goAway(context: context, status: .internal, message: "internal error", close: true)
            return
        }
        if case .closed = state { return }
        if processor.unprocessedBytes > 0 {
            // A frame has started arriving: it must complete within the frame timeout,
            // counted from the last frame that completed.
            if completedFrame || frameTimer == nil { armFrameTimer(context: context) }
        } else if case .awaitingHello = state {
            // Still waiting for HELLO: keep the connect-time deadline.
        } else {
            frameTimer?.cancel()
            frameTimer = nil
        }
        armIdleTimerIfIdle(context: context)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Drain {
            switch state {
            case .awaitingHello:
                goAway(context: context, status: .ok, message: "server is shutting down", close: true)
            case .active:
                goAway(context: context, status: .ok, message: "server is shutting down", close: false)
                state = .draining
                closeIfDrained(context: context)
            case .draining, .closed:
                break
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        close(context: context)
    }

    // MARK: Frames

    private func handle(frame: Frame, context: ChannelHandlerContext) {
        switch state {
        case .closed:
            return
        case .awaitingHello:
            guard frame.kind == .hello else {
                return goAway(context: context, status: .invalidArgument, message: "the first frame must be HELLO, got \(frame.kind)", close: true)
            }
            handleHello(frame, context: context)
        case .active, .draining:
            switch frame.kind {
            case .hello:
                goAway(context: context, status: .invalidArgument, message: "HELLO was already exchanged", close: true)
            case .request:
                handleRequest(frame, context: context)
            case .cancel:
                if let token = calls[frame.streamID]?.token {
                    finish(streamID: frame.streamID, token: token, with: .error(RPCError(code: .cancelled, message: "call cancelled by the client")), context: context)
                }
            case .ping:
                write(Frame(kind: .pong, payload: frame.payload), context: context)
            case .pong:
                break
            case .goaway:
                // The client takes no new calls: finish ours and close.
                state = .draining
                closeIfDrained(context: context)
            case .response:
                goAway(context: context, status: .invalidArgument, message: "a client may not send RESPONSE frames", close: true)
            }
        }
    }

    private func handleHello(_ frame: Frame, context: ChannelHandlerContext) {
        let hello: Hello
        do {
            hello = try Payload.decode(Hello.self, from: frame.payload)
        } catch {
            return goAway(context: context, status: .invalidArgument, message: "undecodable HELLO: \(error)", close: true)
        }
        guard hello.protocolName == Hello.protocolName else {
            return goAway(context: context, status: .invalidArgument, message: "unknown protocol \"\(hello.protocolName.prefix(64))\"; expected \"\(Hello.protocolName)\"", close: true)
        }
        guard hello.version == Hello.currentVersion else {
            return goAway(context: context, status: .failedPrecondition, message: "unsupported protocol version \(hello.version); this server speaks \(Hello.currentVersion)", close: true)
        }
        guard hello.maxFrameBytes >= Self.minimumPeerFrameBytes else {
            return goAway(context: context, status: .invalidArgument, message: "maxFrameBytes \(hello.maxFrameBytes) is below the minimum of \(Self.minimumPeerFrameBytes)", close: true)
        }
        peerMaxFrameBytes = hello.maxFrameBytes
        logger[metadataKey: "client"] = "\(hello.peer.prefix(64))"
        state = .active
        frameTimer?.cancel()
        frameTimer = nil
        let reply = Hello(peer: serverPeerName, maxFrameBytes: limits.maxFrameBytes)
        write(Frame(kind: .hello, payload: (try? Payload.encode(reply)) ?? ByteBuffer()), context: context)
    }

    private func handleRequest(_ frame: Frame, context: ChannelHandlerContext) {
        let streamID = frame.streamID
        guard calls[streamID] == nil else {
            return goAway(context: context, status: .invalidArgument, message: "stream id \(streamID) is already in flight", close: true)
        }
        if case .draining = state {
            return writeResponse(streamID: streamID, .error(RPCError(code: .unavailable, message: "server is shutting down")), context: context)
        }
        highestStreamID = max(highestStreamID, streamID)
        guard calls.count < limits.maxConcurrentCalls else {
            return writeResponse(streamID: streamID, .error(RPCError(code: .resourceExhausted, message: "more than \(limits.maxConcurrentCalls) calls in flight on this connection")), context: context)
        }
        let bytes = frame.payload.readableBytes
        guard inFlightBytes + bytes <= limits.maxInFlightRequestBytes else {
            return writeResponse(streamID: streamID, .error(RPCError(code: .resourceExhausted, message: "more than \(limits.maxInFlightRequestBytes) bytes of requests in flight on this connection")), context: context)
        }
        let document: CBORDocument
        let header: RequestHeader
        do {
            document = try Payload.document(frame.payload)
            // Bound the metadata map before decoding it.
            if let shape = document.mapShape(underKey: "metadata") {
                guard shape.count <= Metadata.maxEntries else {
                    throw RPCError(code: .invalidArgument, message: "metadata has \(shape.count) entries; at most \(Metadata.maxEntries) are allowed")
                }
                guard shape.textKeysOnly else { throw RPCError(code: .invalidArgument, message: "metadata keys must be text strings") }
            }
            header = try CBORDecoder().decode(RequestHeader.self, from: document)
            try Metadata.validate(header.metadata ?? [:])
        } catch let error as RPCError {
            return writeResponse(streamID: streamID, .error(error), context: context)
        } catch {
            return writeResponse(streamID: streamID, .error(RPCError(code: .invalidArgument, message: "undecodable request: \(error)")), context: context)
        }
        let deadline = header.timeoutMillis.map { NIODeadline.now() + .milliseconds(Int64(clamping: $0)) }
        if let deadline, deadline <= .now() {
            // Already late: answered without running anything.
            return writeResponse(streamID: streamID, .error(RPCError(code: .deadlineExceeded, message: "deadline exceeded")), context: context)
        }
        let call = IncomingCall(
            streamID: streamID, method: header.method, metadata: header.metadata ?? [:], deadline: deadline,
            payload: document, peer: peer, listener: listener, logger: logger
        )
        // The fast path: answered here, on the event loop, when the dispatcher can do it
        // without waiting (e.g. Session/Authorize from the session cache).
        if let response = dispatcher.dispatchImmediately(call) {
            return writeResponse(streamID: streamID, response, context: context)
        }

        nextCallToken &+= 1
        let token = nextCallToken
        var inFlight = InFlightCall(token: token, bytes: bytes)
        if let deadline {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            inFlight.timeout = context.eventLoop.scheduleTask(deadline: deadline) {
                let (handler, context) = loopBound.value
                handler.finish(streamID: streamID, token: token, with: .error(RPCError(code: .deadlineExceeded, message: "deadline exceeded")), context: context)
                handler.flushIfNeeded(context: context)
            }
        }
        calls[streamID] = inFlight
        inFlightBytes += bytes
        let dispatcher = self.dispatcher
        let eventLoop = context.eventLoop
        let loopBound = NIOLoopBound((self, context), eventLoop: eventLoop)
        let task = Task {
            let response = await dispatcher.dispatch(call)
            eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.finish(streamID: streamID, token: token, with: response, context: context)
                handler.flushIfNeeded(context: context)
            }
        }
        if calls[streamID]?.token == token { calls[streamID]?.task = task } else { task.cancel() }
    }

    /// Answers a call once: the first of completion, cancellation and deadline wins. `token`
    /// makes sure a late completion never answers a newer call that reuses the stream id.
    private func finish(streamID: UInt32, token: UInt64, with response: OutgoingResponse, context: ChannelHandlerContext) {
        guard calls[streamID]?.token == token, let call = calls.removeValue(forKey: streamID) else { return }
        inFlightBytes -= call.bytes
        call.timeout?.cancel()
        if response.status == .cancelled || response.status == .deadlineExceeded { call.task?.cancel() }
        writeResponse(streamID: streamID, response, context: context)
        closeIfDrained(context: context)
        armIdleTimerIfIdle(context: context)
    }

    // MARK: Writing

    private func writeResponse(streamID: UInt32, _ response: OutgoingResponse, context: ChannelHandlerContext) {
        var frame = Frame(kind: .response, status: response.status, streamID: streamID, payload: response.payload)
        if UInt64(frame.lengthField) > peerMaxFrameBytes {
            // Never send a frame larger than the client accepts.
            let error = OutgoingResponse.error(RPCError(code: .resourceExhausted, message: "the response of \(frame.lengthField) bytes exceeds your maxFrameBytes of \(peerMaxFrameBytes)"))
            frame = Frame(kind: .response, status: error.status, streamID: streamID, payload: error.payload)
        }
        write(frame, context: context)
    }

    private func write(_ frame: Frame, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        if case .closed = state { return }
        var buffer = context.channel.allocator.buffer(capacity: Frame.headerBytes + frame.payload.readableBytes)
        frame.write(to: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
        needsFlush = true
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    private func goAway(context: ChannelHandlerContext, status: StatusCode, message: String, close closeNow: Bool) {
        if case .closed = state { return }
        if status != .ok && status != .unavailable {
            logger.info("protocol violation, sending GOAWAY", metadata: ["status": "\(status.name)", "reason": "\(message)"])
        }
        let payload = (try? Payload.encode(GoAway(lastStreamId: highestStreamID, message: message))) ?? ByteBuffer()
        write(Frame(kind: .goaway, status: status, payload: payload), context: context)
        flushIfNeeded(context: context)
        if closeNow { close(context: context) }
    }

    private func close(context: ChannelHandlerContext) {
        if case .closed = state { return }
        tearDown()
        context.close(promise: nil)
    }

    private func closeIfDrained(context: ChannelHandlerContext) {
        if case .draining = state, calls.isEmpty {
            flushIfNeeded(context: context)
            close(context: context)
        }
    }

    // MARK: Timers

    private func armFrameTimer(context: ChannelHandlerContext) {
        frameTimer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timeout = limits.frameTimeout
        frameTimer = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            let (handler, context) = loopBound.value
            handler.logger.info("dropping slow sender: frame not completed in time", metadata: ["timeout": "\(timeout)"])
            handler.goAway(context: context, status: .deadlineExceeded, message: "frame not completed within \(timeout)", close: true)
        }
    }

    private func armIdleTimerIfIdle(context: ChannelHandlerContext) {
        guard calls.isEmpty, idleTimer == nil, processor.unprocessedBytes == 0 else { return }
        switch state {
        case .active:
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            idleTimer = context.eventLoop.scheduleTask(in: TimeAmount(limits.idleTimeout)) {
                let (handler, context) = loopBound.value
                handler.idleTimer = nil
                guard handler.calls.isEmpty else { return }
                handler.goAway(context: context, status: .ok, message: "idle timeout", close: true)
            }
        default:
            break
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
