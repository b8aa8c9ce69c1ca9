import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import WebProfilesAPI
import WebProfilesServer
import WebProfilesTransport
import WebProfilesWire

/// Messages of the test-only methods the in-process server offers.
struct EchoRequest: Codable, Sendable {
    var value: Int
    var delayMillis: Int
}

struct EchoResponse: Codable, Sendable {
    var value: Int
}

struct BlobResponse: Codable, Sendable {
    var text: String
}

enum TestAPI {
    static let echo = MethodDescriptor<EchoRequest, EchoResponse>(service: "Test", method: "Echo")
    static let fail = MethodDescriptor<Empty, Empty>(service: "Test", method: "Fail")
    static let refuse = MethodDescriptor<Empty, Empty>(service: "Test", method: "Refuse")
    static let blob = MethodDescriptor<EchoRequest, BlobResponse>(service: "Test", method: "Blob")
}

/// Counts what the test handlers observed.
final class Observations: Sendable {
    let cancelledCalls = Atomic<Int>(0)
    let startedCalls = Atomic<Int>(0)
}

/// The real transport and router on sockets in a temporary folder, with test methods.
final class TestServer: Sendable {
    let directory: String
    let apiPath: String
    let operatorPath: String
    let server: RPCServer
    let group: ServiceGroup
    let observations = Observations()
    private let runTask: Mutex<Task<Void, any Error>?> = Mutex(nil)

    struct InternalFailure: Error {}

    init(limits: ConnectionLimits = ConnectionLimits(), operatorUIDs: Set<UInt32>? = nil) async throws {
        directory = NSTemporaryDirectory() + "webprofiles-test-\(UUID().uuidString.prefix(8))"
        apiPath = directory + "/run/api.sock"
        operatorPath = directory + "/run/operator.sock"
        var router = Router()
        HealthService().register(in: &router)
        let observations = self.observations
        router.register(TestAPI.echo) { request, _ in
            observations.startedCalls.add(1, ordering: .relaxed)
            if request.delayMillis > 0 {
                do {
                    try await Task.sleep(for: .milliseconds(request.delayMillis))
                } catch {
                    observations.cancelledCalls.add(1, ordering: .relaxed)
                    throw error
                }
            }
            return EchoResponse(value: request.value)
        }
        router.register(TestAPI.fail) { _, _ in throw InternalFailure() }
        router.register(TestAPI.blob) { request, _ in BlobResponse(text: String(repeating: "x", count: request.value)) }
        router.register(TestAPI.refuse) { _, _ in throw RPCError(code: .failedPrecondition, message: "refused on purpose", cause: InternalFailure()) }
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        server = RPCServer(
            listeners: [
                ListenerConfiguration(kind: .api, source: .path(apiPath, mode: 0o660)),
                ListenerConfiguration(kind: .operator, source: .path(operatorPath, mode: 0o600), allowedUIDs: operatorUIDs),
            ],
            limits: limits, dispatcher: router, peerName: "webprofiled-test/1", logger: logger
        )
        group = ServiceGroup(services: [server], logger: logger)
        let group = self.group
        runTask.withLock { $0 = Task { try await group.run() } }
        try await server.waitUntilReady()
    }

    /// Graceful shutdown, waiting until the server stopped.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await runTask.withLock { $0 }?.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` against a fresh server and always stops it.
func withTestServer<T>(limits: ConnectionLimits = ConnectionLimits(), operatorUIDs: Set<UInt32>? = nil,
                       _ body: (TestServer) async throws -> T) async throws -> T {
    let server = try await TestServer(limits: limits, operatorUIDs: operatorUIDs)
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}
