import NIOCore
import WebProfilesWire

/// The protocol state of one server connection (Protocol/PROTOCOL.md, sections 2 and 4): the
/// HELLO exchange, which frames are acceptable when, the calls that still owe an answer, what the
/// connection's running calls hold, draining and closing.
///
/// Pure: no I/O, no clock, no channel. ``ServerConnectionHandler`` feeds it events and carries out
/// the actions it returns; `CallResources` is whatever the handler keeps per open call (its task
/// and deadline timer), handed back when the call is answered so the handler can release it.
struct ServerConnectionStateMachine<CallResources> {
    enum Phase: Equatable {
        /// Connected; the first frame must be HELLO.
        case awaitingHello
        /// HELLO exchanged; calls are accepted.
        case active
        /// GOAWAY sent or received, or the client half-closed: no new calls; close once every
        /// open call is answered.
        case draining
        /// Closed or closing: nothing more is read or written.
        case closed
    }

    /// A call that still owes its answer.
    struct OpenCall {
        /// Tells this call from a later one reusing its stream id once it is answered.
        var token: UInt64
        var resources: CallResources?
    }

    /// The smallest `maxFrameBytes` a client may advertise.
    static var minimumPeerFrameBytes: UInt64 { 256 }

    let limits: ConnectionLimits
    private(set) var phase: Phase = .awaitingHello
    private var open: [UInt32: OpenCall] = [:]
    private var nextToken: UInt64 = 0
    private(set) var highestStreamID: UInt32 = 0
    /// The largest frame the client accepts (its HELLO).
    private(set) var peerMaxFrameBytes = UInt64(Frame.defaultMaxFrameBytes)
    /// Calls of this connection whose tasks have not ended (answered or not).
    private(set) var runningTasks = 0
    /// Bytes those tasks hold: each is charged its payload and parsed tape until it ends.
    private(set) var heldBytes = 0

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    /// Whether the connection is draining and every call is answered: time to close.
    var isDrained: Bool { phase == .draining && open.isEmpty }

    // MARK: Frames

    /// What to do with a frame.
    enum ReceiveAction {
        /// Nothing (a PONG, a CANCEL of a call already answered, a frame after closing).
        case none
        /// HELLO accepted: answer with ours. `peer` is the client's own name, printable ASCII.
        case sendHello(peer: String)
        /// Answer a PING with a PONG carrying its bytes.
        case pong(ByteBuffer)
        /// A REQUEST that may start: parse and dispatch it, then call ``callStarted(streamID:bytes:)``
        /// if it runs as a task.
        case startRequest
        /// A REQUEST refused before running: answer it with this error.
        case refuse(RPCError)
        /// A CANCEL of an open call: answer it CANCELLED and stop its task.
        case cancel(OpenCall)
        /// A protocol violation (or an orderly goodbye): send GOAWAY with this status, and close
        /// at once when `close` says so (otherwise once drained).
        case goAway(StatusCode, String, close: Bool)
        /// The client said GOAWAY: finish the open calls, then close (at once if none).
        case drainAfterClientGoAway
    }

    mutating func receive(_ frame: Frame) -> ReceiveAction {
        switch phase {
        case .closed:
            return .none
        case .awaitingHello:
            guard frame.kind == .hello else {
                return .goAway(.invalidArgument, "the first frame must be HELLO, got \(frame.kind)", close: true)
            }
            return receiveHello(frame.payload)
        case .active, .draining:
            switch frame.kind {
            case .hello:
                return .goAway(.invalidArgument, "HELLO was already exchanged", close: true)
            case .request:
                return receiveRequest(streamID: frame.streamID, payloadBytes: frame.payload.readableBytes)
            case .cancel:
                guard let call = open.removeValue(forKey: frame.streamID) else { return .none }
                return .cancel(call)
            case .ping:
                return .pong(frame.payload)
            case .pong:
                return .none
            case .goaway:
                phase = .draining
                return .drainAfterClientGoAway
            case .response:
                return .goAway(.invalidArgument, "a client may not send RESPONSE frames", close: true)
            }
        }
    }

    private mutating func receiveHello(_ payload: ByteBuffer) -> ReceiveAction {
        let hello: Hello
        do {
            hello = try Payload.decode(Hello.self, from: payload, limits: Payload.peerLimits)
        } catch {
            return .goAway(.invalidArgument, "undecodable HELLO: \(error)", close: true)
        }
        guard hello.protocolName == Hello.protocolName else {
            return .goAway(.invalidArgument, "unknown protocol \"\(LogSafe.text(hello.protocolName, maxLength: 64))\"; expected \"\(Hello.protocolName)\"", close: true)
        }
        guard hello.version == Hello.currentVersion else {
            return .goAway(.failedPrecondition, "unsupported protocol version \(hello.version); this server speaks \(Hello.currentVersion)", close: true)
        }
        guard hello.maxFrameBytes >= Self.minimumPeerFrameBytes else {
            return .goAway(.invalidArgument, "maxFrameBytes \(hello.maxFrameBytes) is below the minimum of \(Self.minimumPeerFrameBytes)", close: true)
        }
        peerMaxFrameBytes = hello.maxFrameBytes
        phase = .active
        return .sendHello(peer: LogSafe.text(hello.peer, maxLength: 64))
    }

    private mutating func receiveRequest(streamID: UInt32, payloadBytes: Int) -> ReceiveAction {
        guard open[streamID] == nil else {
            return .goAway(.invalidArgument, "stream id \(streamID) is already in flight", close: true)
        }
        if phase == .draining {
            return .refuse(RPCError(code: .unavailable, message: "server is shutting down"))
        }
        highestStreamID = max(highestStreamID, streamID)
        guard open.count < limits.maxConcurrentCalls, runningTasks < limits.maxConcurrentCalls else {
            return .refuse(RPCError(code: .resourceExhausted, message: "more than \(limits.maxConcurrentCalls) calls in flight on this connection"))
        }
        guard heldBytes + payloadBytes <= limits.maxInFlightRequestBytes else {
            return .refuse(Self.tooManyBytes(limits))
        }
        return .startRequest
    }

    static func tooManyBytes(_ limits: ConnectionLimits) -> RPCError {
        RPCError(code: .resourceExhausted, message: "more than \(limits.maxInFlightRequestBytes) bytes of requests in flight on this connection")
    }

    // MARK: Calls

    /// A call admitted by ``receive(_:)`` runs as a task holding `bytes`: returns its token, or
    /// nil when the connection cannot hold that much more (answer it RESOURCE_EXHAUSTED).
    mutating func callStarted(streamID: UInt32, bytes: Int) -> UInt64? {
        guard heldBytes + bytes <= limits.maxInFlightRequestBytes else { return nil }
        nextToken &+= 1
        open[streamID] = OpenCall(token: nextToken, resources: nil)
        runningTasks += 1
        heldBytes += bytes
        return nextToken
    }

    /// Attaches what the handler keeps for an open call (false if it was already answered).
    mutating func attach(_ resources: CallResources, streamID: UInt32, token: UInt64) -> Bool {
        guard open[streamID]?.token == token else { return false }
        open[streamID]?.resources = resources
        return true
    }

    /// The call is being answered (its result, its deadline, or a cancellation): returns it if it
    /// still owed the answer, nil if it was answered already (the answer is then dropped).
    mutating func answer(streamID: UInt32, token: UInt64) -> OpenCall? {
        guard open[streamID]?.token == token else { return nil }
        return open.removeValue(forKey: streamID)
    }

    /// A call's task ended: what it held is free.
    mutating func taskEnded(bytes: Int) {
        runningTasks -= 1
        heldBytes -= bytes
    }

    // MARK: Draining and closing

    /// The server stops: what to tell the client.
    mutating func drain() -> ReceiveAction {
        switch phase {
        case .awaitingHello:
            return .goAway(.ok, "server is shutting down", close: true)
        case .active:
            phase = .draining
            return .goAway(.ok, "server is shutting down", close: false)
        case .draining, .closed:
            return .none
        }
    }

    /// The client closed its side: no more requests can come, the open calls are still answered.
    mutating func inputClosed() {
        switch phase {
        case .active: phase = .draining
        case .awaitingHello: phase = .closed
        case .draining, .closed: break
        }
    }

    /// Whether the connection has been idle (no call owing an answer) since HELLO.
    var mayCloseAsIdle: Bool { phase == .active && open.isEmpty }

    /// Closes: every call still open is returned, for its task and timer to be stopped.
    mutating func close() -> [OpenCall] {
        phase = .closed
        defer { open.removeAll() }
        return Array(open.values)
    }
}
