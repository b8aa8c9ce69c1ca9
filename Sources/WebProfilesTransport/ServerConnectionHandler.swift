import CBOR
import Logging
import NIOCore
import WebProfilesWire

/// The server side of one connection: a thin shell around ``ServerConnectionStateMachine`` that
/// reads frames, carries out the machine's actions (writes, tasks, timers, closing) and keeps the
/// connection's charges against its peer's budget.
///
/// A call the ``CallDispatcher`` answers at once is answered on the channel's event loop; the
/// others run as tasks that hold their charge until they end. Answers are written as they are
/// computed and flushed once per read burst (or when a task's answer comes back).
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Asks the connection to stop taking calls, finish those in flight and close.
    struct Drain: Sendable {}

    /// What the handler keeps per open call.
    struct CallResources {
        var task: Task<Void, Never>?
        var timeout: Scheduled<Void>?
    }

    private var machine: ServerConnectionStateMachine<CallResources>
    private let dispatcher: any CallDispatcher
    private let limits: ConnectionLimits
    private let peer: PeerCredentials
    private let listener: ListenerKind
    private let budgets: PeerBudgets
    private let serverHello: ByteBuffer
    private var logger: Logger

    private var processor: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    private var frameTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var stallTimer: Scheduled<Void>?
    private var closeTimer: Scheduled<Void>?
    /// When the last call arrived (the idle timeout counts from it); PINGs do not move it.
    private var lastCallAt: NIODeadline = .uptimeNanoseconds(0)
    private var sawCallInBurst = false
    private var needsFlush = false
    /// Bytes charged to the peer for a frame received in part, and for answers it does not read.
    private var partialFrameCharge = 0
    private var queuedAnswerCharge = 0
    /// The largest frame read since the decoder's buffer was last empty: the buffer keeps at
    /// least that capacity while any byte of a next frame waits in it.
    private var largestFrameSinceEmpty = 0
    /// Closing once the answers already written have gone out.
    private var closing = false

    init(dispatcher: any CallDispatcher, limits: ConnectionLimits, peer: PeerCredentials, listener: ListenerKind,
         budgets: PeerBudgets, serverPeerName: String, logger: Logger) {
        self.machine = ServerConnectionStateMachine(limits: limits)
        self.dispatcher = dispatcher
        self.limits = limits
        self.peer = peer
        self.listener = listener
        self.budgets = budgets
        self.logger = logger
        self.processor = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameBytes: limits.maxFrameBytes))
        self.serverHello = (try? Payload.encode(Hello(peer: serverPeerName, maxFrameBytes: limits.maxFrameBytes))) ?? ByteBuffer()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armFrameTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        // The HELLO must arrive within the frame timeout of connecting.
        armFrameTimer(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tearDown()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tearDown()
        context.fireChannelInactive()
    }

    /// Stops every timer and task and gives back the peer budget this connection holds (the
    /// charges of running tasks are given back by the tasks themselves when they end).
    private func tearDown() {
        for call in machine.close() {
            call.resources?.task?.cancel()
            call.resources?.timeout?.cancel()
        }
        frameTimer?.cancel()
        idleTimer?.cancel()
        stallTimer?.cancel()
        closeTimer?.cancel()
        frameTimer = nil
        idleTimer = nil
        stallTimer = nil
        closeTimer = nil
        budgets.release(uid: peer.uid, bytes: partialFrameCharge + queuedAnswerCharge)
        partialFrameCharge = 0
        queuedAnswerCharge = 0
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if machine.phase == .closed { return }
        var completedFrame = false
        do {
            try processor.process(buffer: unwrapInboundIn(data)) { frame in
                completedFrame = true
                self.largestFrameSinceEmpty = max(self.largestFrameSinceEmpty, Frame.headerBytes + frame.payload.readableBytes)
                self.handle(frame, context: context)
            }
        } catch let error as FrameError {
            return goAway(context: context, status: error.status, message: error.message, close: true)
        } catch {
            return goAway(context: context, status: .internal, message: "internal error", close: true)
        }
        if machine.phase == .closed { return }
        let unprocessed = processor.unprocessedBytes
        if unprocessed > 0 {
            // A frame has started arriving: it must complete within the frame timeout, counted
            // from the last frame that completed; beyond a small allowance it is charged to the peer.
            if completedFrame || frameTimer == nil { armFrameTimer(context: context) }
            guard chargePartialFrame(bytes: max(unprocessed, largestFrameSinceEmpty)) else {
                return goAway(context: context, status: .resourceExhausted,
                              message: "your connections hold more than \(limits.maxBufferedBytesPerPeer) bytes", close: true)
            }
        } else {
            largestFrameSinceEmpty = 0
            _ = chargePartialFrame(bytes: 0)
            if machine.phase != .awaitingHello {
                // Still waiting for HELLO keeps the connect-time deadline.
                frameTimer?.cancel()
                frameTimer = nil
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if sawCallInBurst {
            sawCallInBurst = false
            lastCallAt = context.eventLoop.now
        }
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Drain {
            perform(machine.drain(), context: context)
            closeIfDrained(context: context)
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client half-closed: no more requests, but the answers of the calls it made
            // (some perhaps committed already) are still owed.
            machine.inputClosed()
            if machine.phase == .closed { return close(context: context) }
            closeIfDrained(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stallTimer?.cancel()
            stallTimer = nil
            budgets.release(uid: peer.uid, bytes: queuedAnswerCharge)
            queuedAnswerCharge = 0
        } else if stallTimer == nil {
            // A client that takes none of our answers for the frame timeout is dropped.
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let timeout = limits.frameTimeout
            stallTimer = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                let (handler, context) = loopBound.value
                handler.logger.info("dropping a client that does not read its answers", metadata: ["timeout": "\(timeout)"])
                handler.close(context: context)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        close(context: context)
    }

    // MARK: Frames

    private func handle(_ frame: Frame, context: ChannelHandlerContext) {
        switch machine.receive(frame) {
        case .startRequest:
            startRequest(frame, context: context)
        case .refuse(let error):
            writeResponse(streamID: frame.streamID, .error(error), context: context)
        case .cancel(let call):
            call.resources?.task?.cancel()
            call.resources?.timeout?.cancel()
            writeResponse(streamID: frame.streamID, .error(RPCError(code: .cancelled, message: "call cancelled by the client")), context: context)
        case let action:
            perform(action, context: context)
        }
    }

    private func perform(_ action: ServerConnectionStateMachine<CallResources>.ReceiveAction, context: ChannelHandlerContext) {
        switch action {
        case .none, .startRequest, .refuse, .cancel:
            // Calls are handled where their frame is known.
            break
        case .sendHello(let peerName):
            logger[metadataKey: "client"] = "\(peerName)"
            frameTimer?.cancel()
            frameTimer = nil
            write(Frame(kind: .hello, payload: serverHello), context: context)
            lastCallAt = context.eventLoop.now
            armIdleTimer(context: context, at: lastCallAt + TimeAmount(limits.idleTimeout))
        case .pong(let payload):
            write(Frame(kind: .pong, payload: payload), context: context)
        case .goAway(let status, let message, let closeNow):
            goAway(context: context, status: status, message: message, close: closeNow)
        case .drainAfterClientGoAway:
            closeIfDrained(context: context)
        }
    }

    private func startRequest(_ frame: Frame, context: ChannelHandlerContext) {
        let streamID = frame.streamID
        sawCallInBurst = true
        if let answer = dispatcher.answerInPlace(frame.payload, streamID: streamID, listener: listener, debugLogging: logger.logLevel <= .debug,
                                                 allocator: context.channel.allocator) {
            return writeFramedResponse(answer, streamID: streamID, context: context)
        }
        let call: IncomingCall
        let heldBytes: Int
        do {
            let request = try RequestParser.parse(frame.payload)
            heldBytes = request.document.retainedBytes + ConnectionLimits.perCallOverhead
            let deadline = request.header.timeoutMillis.map { context.eventLoop.now + .milliseconds(Int64(clamping: $0)) }
            if let deadline, deadline <= context.eventLoop.now {
                // Already late: answered without running anything.
                return writeResponse(streamID: streamID, .error(RPCError(code: .deadlineExceeded, message: "deadline exceeded")), context: context)
            }
            call = IncomingCall(streamID: streamID, method: request.header.method, metadata: request.header.metadata ?? [:], deadline: deadline,
                                payload: request.document, peer: peer, listener: listener, logger: logger)
        } catch {
            return writeResponse(streamID: streamID, .error(error), context: context)
        }

        let run: @Sendable () async -> OutgoingResponse
        switch dispatcher.start(call) {
        case .answered(let response):
            return writeResponse(streamID: streamID, response, context: context)
        case .pending(let work):
            run = work
        }
        // The task holds the call's bytes until it ends, whenever it is answered.
        guard budgets.charge(uid: peer.uid, bytes: heldBytes) else {
            return writeResponse(streamID: streamID, .error(RPCError(code: .resourceExhausted, message: "your connections hold more than \(limits.maxBufferedBytesPerPeer) bytes")), context: context)
        }
        guard let token = machine.callStarted(streamID: streamID, bytes: heldBytes) else {
            budgets.release(uid: peer.uid, bytes: heldBytes)
            return writeResponse(streamID: streamID, .error(ServerConnectionStateMachine<CallResources>.tooManyBytes(limits)), context: context)
        }
        var resources = CallResources()
        let eventLoop = context.eventLoop
        let loopBound = NIOLoopBound((self, context), eventLoop: eventLoop)
        if let deadline = call.deadline {
            resources.timeout = eventLoop.scheduleTask(deadline: deadline) {
                let (handler, context) = loopBound.value
                handler.answer(streamID: streamID, token: token, with: .error(RPCError(code: .deadlineExceeded, message: "deadline exceeded")), context: context)
                handler.flushIfNeeded(context: context)
            }
        }
        let budgets = self.budgets
        let uid = peer.uid
        resources.task = Task {
            let response = await run()
            budgets.release(uid: uid, bytes: heldBytes)
            eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.machine.taskEnded(bytes: heldBytes)
                handler.answer(streamID: streamID, token: token, with: response, context: context)
                handler.flushIfNeeded(context: context)
            }
        }
        // The task answers on this event loop, so the call is still open here.
        let attached = machine.attach(resources, streamID: streamID, token: token)
        assert(attached, "a call was answered before its task was attached")
    }

    /// Answers a call once: the first of completion, cancellation and deadline wins.
    private func answer(streamID: UInt32, token: UInt64, with response: OutgoingResponse, context: ChannelHandlerContext) {
        guard let call = machine.answer(streamID: streamID, token: token) else { return }
        call.resources?.timeout?.cancel()
        if response.status == .cancelled || response.status == .deadlineExceeded { call.resources?.task?.cancel() }
        writeResponse(streamID: streamID, response, context: context)
        closeIfDrained(context: context)
    }

    // MARK: Writing

    private func writeResponse(streamID: UInt32, _ response: OutgoingResponse, context: ChannelHandlerContext) {
        var frame = Frame(kind: .response, status: response.status, streamID: streamID, payload: response.payload)
        if UInt64(frame.lengthField) > machine.peerMaxFrameBytes {
            // Never send a frame larger than the client accepts.
            let error = OutgoingResponse.error(RPCError(code: .resourceExhausted, message: "the response of \(frame.lengthField) bytes exceeds your maxFrameBytes of \(machine.peerMaxFrameBytes)"))
            frame = Frame(kind: .response, status: error.status, streamID: streamID, payload: error.payload)
        }
        write(frame, context: context)
    }

    /// Writes a whole RESPONSE frame made by the dispatcher's in-place path, within the
    /// client's `maxFrameBytes` like every answer.
    private func writeFramedResponse(_ frame: ByteBuffer, streamID: UInt32, context: ChannelHandlerContext) {
        guard machine.phase != .closed, context.channel.isActive else { return }
        let length = frame.readableBytes - 4
        guard UInt64(length) <= machine.peerMaxFrameBytes else {
            return writeResponse(streamID: streamID, .error(RPCError(code: .resourceExhausted, message: "the response of \(length) bytes exceeds your maxFrameBytes of \(machine.peerMaxFrameBytes)")), context: context)
        }
        context.write(wrapOutboundOut(frame), promise: nil)
        needsFlush = true
        if !context.channel.isWritable { chargeQueuedAnswers(context: context) }
    }

    private func write(_ frame: Frame, context: ChannelHandlerContext) {
        guard machine.phase != .closed, context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: Frame.headerBytes + frame.payload.readableBytes)
        frame.write(to: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
        needsFlush = true
        if !context.channel.isWritable { chargeQueuedAnswers(context: context) }
    }

    /// Answers pile up for a client that does not read them: they are charged to its peer and
    /// bounded per connection; beyond either, the connection is closed.
    private func chargeQueuedAnswers(context: ChannelHandlerContext) {
        guard let queued = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes) else { return }
        guard queued <= ConnectionLimits.maxQueuedResponseBytes else {
            logger.info("dropping a client that does not read its answers", metadata: ["queued_bytes": "\(queued)"])
            return close(context: context)
        }
        // Everything queued counts once the client has stopped taking answers.
        if queued > queuedAnswerCharge {
            guard budgets.charge(uid: peer.uid, bytes: queued - queuedAnswerCharge) else {
                logger.info("dropping a client that does not read its answers: its peer's budget is spent")
                return close(context: context)
            }
            queuedAnswerCharge = queued
        }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    private func goAway(context: ChannelHandlerContext, status: StatusCode, message: String, close closeNow: Bool) {
        guard machine.phase != .closed else { return }
        if status != .ok && status != .unavailable {
            logger.info("protocol violation, sending GOAWAY", metadata: ["status": "\(status.name)", "reason": "\(LogSafe.text(message, maxLength: 256))"])
        }
        let payload = (try? Payload.encode(GoAway(lastStreamId: machine.highestStreamID, message: message))) ?? ByteBuffer()
        write(Frame(kind: .goaway, status: status, payload: payload), context: context)
        flushIfNeeded(context: context)
        if closeNow { close(context: context) }
    }

    private func close(context: ChannelHandlerContext) {
        guard machine.phase != .closed else { return }
        flushIfNeeded(context: context)
        tearDown()
        context.close(promise: nil)
    }

    /// A draining (or half-closed) connection whose calls are all answered closes once those
    /// answers have gone out; a client that does not take them is dropped by the stall timer.
    private func closeIfDrained(context: ChannelHandlerContext) {
        guard machine.isDrained, !closing else { return }
        closing = true
        needsFlush = false
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: written)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in
            let (handler, context) = loopBound.value
            handler.close(context: context)
        }
        // However the client behaves, the connection is gone within the frame timeout.
        closeTimer = context.eventLoop.scheduleTask(in: TimeAmount(limits.frameTimeout)) {
            let (handler, context) = loopBound.value
            handler.close(context: context)
        }
    }

    // MARK: Budget

    /// Charges the peer for the part of a partly received frame beyond the allowance.
    private func chargePartialFrame(bytes: Int) -> Bool {
        let wanted = max(0, bytes - ConnectionLimits.partialFrameAllowance)
        if wanted > partialFrameCharge {
            guard budgets.charge(uid: peer.uid, bytes: wanted - partialFrameCharge) else { return false }
        } else if wanted < partialFrameCharge {
            budgets.release(uid: peer.uid, bytes: partialFrameCharge - wanted)
        }
        partialFrameCharge = wanted
        return true
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

    /// One timer for the whole connection, moved only when it fires: calls just note their time.
    private func armIdleTimer(context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.idleTimerFired(context: context)
        }
    }

    private func idleTimerFired(context: ChannelHandlerContext) {
        idleTimer = nil
        guard machine.phase == .active else { return }
        let idle = TimeAmount(limits.idleTimeout)
        let due = lastCallAt + idle
        if due > context.eventLoop.now {
            return armIdleTimer(context: context, at: due)
        }
        // A frame received in part does not count as activity: only calls do.
        guard machine.mayCloseAsIdle else {
            // Calls still owe their answers: look again one idle period later.
            return armIdleTimer(context: context, at: context.eventLoop.now + idle)
        }
        goAway(context: context, status: .ok, message: "idle timeout", close: true)
    }
}
