import CBOR
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
import WebProfilesWire
@testable import WebProfilesTransport

/// The connection handler on a testing channel with virtual time: timers, deadlines, budgets,
/// half-close and draining without sockets or sleeps.
@Suite("Server connection handler")
struct ServerConnectionHandlerTests {
    /// Answers `Test/Now` at once; `Test/Wait` when the test opens the gate.
    final class GatedDispatcher: CallDispatcher {
        private let waiting = Mutex<[CheckedContinuation<Void, Never>]>([])
        let started = Atomic<Int>(0)

        func start(_ call: IncomingCall) -> CallStart {
            if call.method == "Test/Now" {
                return .answered(OutgoingResponse(status: .ok, payload: (try? Payload.encode(ResponseEnvelope(message: ["now": true]))) ?? ByteBuffer()))
            }
            return .pending {
                self.started.add(1, ordering: .relaxed)
                await withCheckedContinuation { continuation in self.waiting.withLock { $0.append(continuation) } }
                return OutgoingResponse(status: .ok, payload: (try? Payload.encode(ResponseEnvelope(message: ["waited": true]))) ?? ByteBuffer())
            }
        }

        var waitingCount: Int { waiting.withLock { $0.count } }

        func openGate() {
            for continuation in waiting.withLock({ list -> [CheckedContinuation<Void, Never>] in defer { list = [] }; return list }) {
                continuation.resume()
            }
        }
    }

    struct Harness {
        let channel: NIOAsyncTestingChannel
        let dispatcher: GatedDispatcher
        let budgets: PeerBudgets
        var limits: ConnectionLimits
        static let uid: UInt32 = 4242

        init(limits: ConnectionLimits = Harness.defaultLimits) async throws {
            self.limits = limits
            dispatcher = GatedDispatcher()
            budgets = PeerBudgets(maxConnectionsPerPeer: 10, maxBytesPerPeer: limits.maxBufferedBytesPerPeer)
            let (dispatcher, budgets) = (self.dispatcher, self.budgets)
            channel = try await NIOAsyncTestingChannel { channel in
                try channel.pipeline.syncOperations.addHandler(ServerConnectionHandler(
                    dispatcher: dispatcher, limits: limits, peer: PeerCredentials(pid: 1, uid: Self.uid, gid: 1), listener: .api,
                    budgets: budgets, serverPeerName: "test", logger: Logger(label: "test")))
            }
            try await channel.connect(to: SocketAddress(unixDomainSocketPath: "/tmp/test.sock"))
        }

        static var defaultLimits: ConnectionLimits {
            var limits = ConnectionLimits()
            limits.frameTimeout = .seconds(10)
            limits.idleTimeout = .seconds(60)
            return limits
        }

        func send(_ frame: Frame) async throws {
            var buffer = ByteBuffer()
            frame.write(to: &buffer)
            try await channel.writeInbound(buffer)
        }

        func hello() async throws {
            try await send(Frame(kind: .hello, payload: try Payload.encode(Hello(peer: "test-client", maxFrameBytes: 1 << 20))))
            #expect(try await next()?.kind == .hello)
        }

        func request(_ streamID: UInt32, _ method: String, timeoutMillis: UInt64? = nil) async throws {
            let envelope = RequestEnvelope(method: method, message: [String: String](), timeoutMillis: timeoutMillis)
            try await send(Frame(kind: .request, streamID: streamID, payload: try Payload.encode(envelope)))
        }

        /// The next frame written, if any.
        func next() async throws -> Frame? {
            guard var buffer = try await channel.readOutbound(as: ByteBuffer.self) else { return nil }
            var decoder = FrameDecoder()
            return try decoder.decode(buffer: &buffer)
        }

        /// Waits (in real time) until a frame is written: a task's answer comes back from another thread.
        func waitForFrame() async throws -> Frame {
            var buffer = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
            var decoder = FrameDecoder()
            return try #require(try decoder.decode(buffer: &buffer))
        }

        func waitUntil(_ condition: () -> Bool) async throws {
            for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(1)) }
            #expect(condition())
        }
    }

    @Test func theHelloMustArriveWithinTheFrameTimeout() async throws {
        let h = try await Harness()
        await h.channel.testingEventLoop.advanceTime(by: .seconds(9))
        #expect(try await h.next() == nil)
        await h.channel.testingEventLoop.advanceTime(by: .seconds(1))
        let goAway = try #require(try await h.next())
        #expect(goAway.kind == .goaway && goAway.status == .deadlineExceeded)
        #expect(!h.channel.isActive)
    }

    @Test func pingsDoNotKeepAnIdleConnectionOpen() async throws {
        let h = try await Harness()
        try await h.hello()
        for _ in 0..<5 {
            await h.channel.testingEventLoop.advanceTime(by: .seconds(10))
            try await h.send(Frame(kind: .ping, payload: ByteBuffer(bytes: [1, 2, 3, 4, 5, 6, 7, 8])))
            #expect(try await h.next()?.kind == .pong)
        }
        await h.channel.testingEventLoop.advanceTime(by: .seconds(10))
        let goAway = try #require(try await h.next())
        #expect(goAway.kind == .goaway && goAway.status == .ok)
        #expect(!h.channel.isActive)
    }

    @Test func callsKeepAConnectionOpen() async throws {
        let h = try await Harness()
        try await h.hello()
        await h.channel.testingEventLoop.advanceTime(by: .seconds(50))
        try await h.request(1, "Test/Now")
        #expect(try await h.next()?.status == .ok)
        await h.channel.testingEventLoop.advanceTime(by: .seconds(50))
        #expect(h.channel.isActive)
        await h.channel.testingEventLoop.advanceTime(by: .seconds(10))
        #expect(try await h.next()?.kind == .goaway)
    }

    @Test func aDeadlineAnswersAtOnceButTheChargeLastsUntilTheTaskEnds() async throws {
        let h = try await Harness()
        try await h.hello()
        try await h.request(1, "Test/Wait", timeoutMillis: 100)
        try await h.waitUntil { h.dispatcher.waitingCount == 1 }
        let charged = h.budgets.usage(of: Harness.uid).bytes
        #expect(charged > 0)
        await h.channel.testingEventLoop.advanceTime(by: .milliseconds(100))
        let answer = try #require(try await h.next())
        #expect(answer.streamID == 1 && answer.status == .deadlineExceeded)
        // Answered, but the task still runs and still holds what it was charged.
        #expect(h.budgets.usage(of: Harness.uid).bytes == charged)
        h.dispatcher.openGate()
        try await h.waitUntil { h.budgets.usage(of: Harness.uid).bytes == 0 }
        await h.channel.testingEventLoop.run()
        // The late result is dropped: the call was answered already.
        #expect(try await h.next() == nil)
    }

    @Test func cancelAnswersCancelled() async throws {
        let h = try await Harness()
        try await h.hello()
        try await h.request(3, "Test/Wait")
        try await h.waitUntil { h.dispatcher.waitingCount == 1 }
        try await h.send(Frame(kind: .cancel, streamID: 3))
        let answer = try #require(try await h.next())
        #expect(answer.streamID == 3 && answer.status == .cancelled)
        // The stream id may be reused at once.
        try await h.request(3, "Test/Now")
        #expect(try await h.next()?.status == .ok)
        h.dispatcher.openGate()
    }

    @Test func aStreamIDInFlightCannotBeReused() async throws {
        let h = try await Harness()
        try await h.hello()
        try await h.request(5, "Test/Wait")
        try await h.request(5, "Test/Now")
        let goAway = try #require(try await h.next())
        #expect(goAway.kind == .goaway && goAway.status == .invalidArgument)
        h.dispatcher.openGate()
    }

    @Test func tooManyCallsAreRefused() async throws {
        var limits = Harness.defaultLimits
        limits.maxConcurrentCalls = 2
        let h = try await Harness(limits: limits)
        try await h.hello()
        try await h.request(1, "Test/Wait")
        try await h.request(2, "Test/Wait")
        try await h.request(3, "Test/Wait")
        let refused = try #require(try await h.next())
        #expect(refused.streamID == 3 && refused.status == .resourceExhausted)
        // Both calls must be at the gate before it opens (it lets through those waiting).
        try await h.waitUntil { h.dispatcher.waitingCount == 2 }
        h.dispatcher.openGate()
        var answered: Set<UInt32> = []
        for _ in 0..<2 { answered.insert(try await h.waitForFrame().streamID) }
        #expect(answered == [1, 2])
    }

    @Test func aHalfClosedClientStillGetsItsAnswers() async throws {
        let h = try await Harness()
        try await h.hello()
        try await h.request(1, "Test/Wait")
        try await h.waitUntil { h.dispatcher.waitingCount == 1 }
        h.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(h.channel.isActive)
        h.dispatcher.openGate()
        let answer = try await h.waitForFrame()
        #expect(answer.streamID == 1 && answer.status == .ok)
        try await h.waitUntil { !h.channel.isActive }
    }

    @Test func drainingFinishesCallsThenCloses() async throws {
        let h = try await Harness()
        try await h.hello()
        try await h.request(1, "Test/Wait")
        try await h.waitUntil { h.dispatcher.waitingCount == 1 }
        h.channel.pipeline.fireUserInboundEventTriggered(ServerConnectionHandler.Drain())
        let goAway = try #require(try await h.next())
        #expect(goAway.kind == .goaway && goAway.status == .ok)
        try await h.request(2, "Test/Now")
        #expect(try await h.next()?.status == .unavailable)
        h.dispatcher.openGate()
        #expect(try await h.waitForFrame().streamID == 1)
        try await h.waitUntil { !h.channel.isActive }
    }

    @Test func aPeerOverItsBudgetIsRefused() async throws {
        // What one waiting call is charged, measured on a first connection.
        let probe = try await Harness()
        try await probe.hello()
        try await probe.request(1, "Test/Wait")
        try await probe.waitUntil { probe.dispatcher.waitingCount == 1 }
        let oneCall = probe.budgets.usage(of: Harness.uid).bytes
        probe.dispatcher.openGate()
        // A budget of one and a half calls: the second is refused while the first holds its share.
        var limits = Harness.defaultLimits
        limits.maxBufferedBytesPerPeer = oneCall + oneCall / 2
        let h = try await Harness(limits: limits)
        try await h.hello()
        try await h.request(1, "Test/Wait")
        try await h.waitUntil { h.dispatcher.waitingCount == 1 }
        try await h.request(2, "Test/Wait")
        let refused = try #require(try await h.next())
        #expect(refused.streamID == 2 && refused.status == .resourceExhausted)
        h.dispatcher.openGate()
        #expect(try await h.waitForFrame().streamID == 1)
    }
}

@Suite("Server connection state machine")
struct ServerConnectionStateMachineTests {
    typealias Machine = ServerConnectionStateMachine<Int>

    func hello() throws -> Frame {
        Frame(kind: .hello, payload: try Payload.encode(Hello(peer: "evil\n\u{1b}[31m", maxFrameBytes: 4096)))
    }

    @Test func helloComesFirstAndItsPeerNameIsMadeSafe() throws {
        var machine = Machine(limits: ConnectionLimits())
        guard case .goAway(.invalidArgument, _, close: true) = machine.receive(Frame(kind: .ping, payload: ByteBuffer(bytes: [0, 0, 0, 0, 0, 0, 0, 0]))) else {
            Issue.record("a PING before HELLO was accepted")
            return
        }
        var fresh = Machine(limits: ConnectionLimits())
        guard case .sendHello(let peer) = fresh.receive(try hello()) else {
            Issue.record("HELLO refused")
            return
        }
        #expect(peer == "evil\\u{a}\\u{1b}[31m")
        #expect(fresh.peerMaxFrameBytes == 4096 && fresh.phase == .active)
    }

    @Test func answersAreGivenOnceAndTokensTellReusedStreamsApart() throws {
        var machine = Machine(limits: ConnectionLimits())
        _ = machine.receive(try hello())
        guard case .startRequest = machine.receive(Frame(kind: .request, streamID: 7, payload: ByteBuffer(bytes: [0xA0]))) else {
            Issue.record("request not started")
            return
        }
        let first = try #require(machine.callStarted(streamID: 7, bytes: 100) as UInt64?)
        let attached = machine.attach(1, streamID: 7, token: first)
        let answered = machine.answer(streamID: 7, token: first)
        let again = machine.answer(streamID: 7, token: first)
        #expect(attached && answered?.resources == 1 && again == nil)
        // The id is reused: the old call's late answer must not answer the new one.
        _ = machine.receive(Frame(kind: .request, streamID: 7, payload: ByteBuffer(bytes: [0xA0])))
        let second = try #require(machine.callStarted(streamID: 7, bytes: 100) as UInt64?)
        let late = machine.answer(streamID: 7, token: first)
        let current = machine.answer(streamID: 7, token: second)
        #expect(late == nil && current != nil)
        #expect(machine.heldBytes == 200 && machine.runningTasks == 2)
        machine.taskEnded(bytes: 100)
        machine.taskEnded(bytes: 100)
        #expect(machine.heldBytes == 0 && machine.runningTasks == 0)
    }

    @Test func runningTasksCountAgainstTheLimitEvenWhenAnswered() throws {
        var limits = ConnectionLimits()
        limits.maxConcurrentCalls = 1
        var machine = Machine(limits: limits)
        _ = machine.receive(try hello())
        _ = machine.receive(Frame(kind: .request, streamID: 1, payload: ByteBuffer(bytes: [0xA0])))
        let token = try #require(machine.callStarted(streamID: 1, bytes: 10) as UInt64?)
        _ = machine.receive(Frame(kind: .cancel, streamID: 1))
        let answered = machine.answer(streamID: 1, token: token)
        #expect(answered == nil)
        // Cancelled and answered, but its task has not ended: no room for another.
        guard case .refuse(let error) = machine.receive(Frame(kind: .request, streamID: 2, payload: ByteBuffer(bytes: [0xA0]))) else {
            Issue.record("a cancelled call's task let another start")
            return
        }
        #expect(error.code == .resourceExhausted)
        machine.taskEnded(bytes: 10)
        guard case .startRequest = machine.receive(Frame(kind: .request, streamID: 2, payload: ByteBuffer(bytes: [0xA0]))) else {
            Issue.record("not started after the task ended")
            return
        }
    }
}
