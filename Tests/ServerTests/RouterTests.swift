import CBOR
import Logging
import NIOCore
import Synchronization
import Testing
import WebProfilesAPI
import WebProfilesStore
import WebProfilesWire
@testable import WebProfilesServer
@testable import WebProfilesTransport

/// The router's dispatch, refusals, error mapping and interceptors, without sockets.
@Suite("Router")
struct RouterTests {
    struct Echo: Codable, Sendable {
        var value: Int
        var note: String?
    }

    static let echo = MethodDescriptor<Echo, Echo>(service: "Test", method: "Echo")
    static let secret = MethodDescriptor<Echo, Echo>(service: "Test", method: "Secret", requiresSession: true)
    static let fast = MethodDescriptor<Echo, Echo>(service: "Test", method: "Fast")
    static let fail = MethodDescriptor<Echo, Echo>(service: "Test", method: "Fail")

    /// Records what it saw; refuses calls of methods needing a session without the right metadata.
    final class GateInterceptor: ServerInterceptor {
        let seen = Mutex<[String]>([])
        let decidesFast: Bool

        init(decidesFast: Bool) { self.decidesFast = decidesFast }

        func intercept(_ context: inout CallContext, method: MethodInfo) async throws {
            seen.withLock { $0.append("async \(method.name)") }
            try check(context, method)
        }

        func interceptImmediately(_ context: inout CallContext, method: MethodInfo) throws -> Bool {
            seen.withLock { $0.append("fast \(method.name)") }
            guard decidesFast else { return false }
            try check(context, method)
            return true
        }

        private func check(_ context: CallContext, _ method: MethodInfo) throws {
            if method.requiresSession && context.metadata["authorization"] != "Bearer ok" {
                throw RPCError(code: .unauthenticated, message: "no session")
            }
        }
    }

    func router(interceptor: GateInterceptor) -> Router {
        var router = Router()
        router.add(interceptor: interceptor)
        router.register(Self.echo, on: [.api]) { request, _ in Echo(value: request.value + 1, note: "async") }
        router.register(Self.secret) { request, _ in request }
        router.register(Self.fast, immediate: { request, _ -> Echo? in
            request.value < 0 ? nil : Echo(value: request.value, note: "immediate")
        }) { request, _ in Echo(value: request.value, note: "async") }
        router.register(Self.fail) { request, _ in
            switch request.value {
            case 0: throw StoreError(.alreadyExists, "taken", field: "username")
            case 1: throw CancellationError()
            default: throw InternalFailure()
            }
        }
        return router
    }

    struct InternalFailure: Error {}

    func call(_ method: String, _ message: CBORValue, listener: ListenerKind = .api, metadata: [String: String] = [:]) throws -> IncomingCall {
        let payload = try CBOREncoder().encode(CBORValue.textMap(["method": .text(method), "message": message]))
        return IncomingCall(streamID: 1, method: method, metadata: metadata, deadline: nil, payload: try CBORDocument(bytes: payload),
                            peer: PeerCredentials(pid: 1, uid: 1000, gid: 1000), listener: listener, logger: Logger(label: "test"))
    }

    /// The call's outcome, running its task when it has one; and whether it was answered at once.
    func outcome(_ router: Router, _ call: IncomingCall) async -> (status: StatusCode, message: CBORValue?, immediate: Bool) {
        let response: OutgoingResponse
        let immediate: Bool
        switch router.start(call) {
        case .answered(let answer): (response, immediate) = (answer, true)
        case .pending(let run): (response, immediate) = (await run(), false)
        }
        let value = try? CBORDecoder().decode(CBORValue.self, from: Array(response.payload.readableBytesView))
        return (response.status, response.status == .ok ? value?["message"] : value?["error"], immediate)
    }

    let value = CBORValue.textMap(["value": .unsigned(41)])

    @Test func dispatchesToTheHandlerAsATask() async throws {
        let interceptor = GateInterceptor(decidesFast: true)
        let result = await outcome(router(interceptor: interceptor), try call(Self.echo.name, value))
        #expect(result.status == .ok && !result.immediate)
        #expect(result.message?["value"] == .unsigned(42))
        #expect(interceptor.seen.withLock { $0 } == ["async \(Self.echo.name)"])
    }

    @Test func unknownMethodsWrongSocketsAndBadMessagesAreAnsweredAtOnce() async throws {
        let router = router(interceptor: GateInterceptor(decidesFast: true))
        let unknown = await outcome(router, try call("webprofiles.v1.Nope/Nope\n", value))
        #expect(unknown.status == .unimplemented && unknown.immediate)
        #expect(unknown.message?["message"] == .text("unknown method \"webprofiles.v1.Nope/Nope\\u{a}\""))
        #expect(await outcome(router, try call(Self.echo.name, value, listener: .operator)).status == .permissionDenied)
        let bad = await outcome(router, try call(Self.echo.name, .textMap(["value": .text("forty-one")])))
        #expect(bad.status == .invalidArgument && bad.immediate)
        let missing = await outcome(router, try call(Self.echo.name, .map([])))
        #expect(missing.status == .invalidArgument)
    }

    @Test func theFastPathAnswersWithoutATaskAndFallsBackWhenItCannot() async throws {
        let interceptor = GateInterceptor(decidesFast: true)
        let router = router(interceptor: interceptor)
        let fast = await outcome(router, try call(Self.fast.name, value))
        #expect(fast.immediate && fast.message?["note"] == .text("immediate"))
        let slow = await outcome(router, try call(Self.fast.name, .textMap(["value": .negative(0)])))
        #expect(!slow.immediate && slow.message?["note"] == .text("async"))
        // An interceptor that cannot decide at once sends the call to the asynchronous path.
        let undecided = await outcome(self.router(interceptor: GateInterceptor(decidesFast: false)), try call(Self.fast.name, value))
        #expect(!undecided.immediate && undecided.message?["note"] == .text("async"))
    }

    @Test func interceptorsRefuseBeforeTheHandler() async throws {
        let router = router(interceptor: GateInterceptor(decidesFast: true))
        #expect(await outcome(router, try call(Self.secret.name, value)).status == .unauthenticated)
        #expect(await outcome(router, try call(Self.secret.name, value, metadata: ["authorization": "Bearer ok"])).status == .ok)
    }

    @Test func handlerErrorsBecomeTheirStatusAndUnexpectedOnesStayLocal() async throws {
        let router = router(interceptor: GateInterceptor(decidesFast: true))
        let taken = await outcome(router, try call(Self.fail.name, .textMap(["value": .unsigned(0)])))
        #expect(taken.status == .alreadyExists && taken.message?["message"] == .text("username: taken"))
        #expect(taken.message?["details"]?["field"] == .text("username"))
        #expect(await outcome(router, try call(Self.fail.name, .textMap(["value": .unsigned(1)]))).status == .cancelled)
        let internalError = await outcome(router, try call(Self.fail.name, .textMap(["value": .unsigned(2)])))
        #expect(internalError.status == .internal && internalError.message?["message"] == .text("internal error"))
    }

    @Test func theDaemonServesExactlyTheCatalogsMethods() async throws {
        let daemon = try await InProcessDaemon()
        #expect(Set(daemon.daemon.methodNames) == Set(APICatalog.methods.map(\.name)))
        #expect(APICatalog.byName.count == APICatalog.methods.count)
        try await daemon.stop()
    }
}
