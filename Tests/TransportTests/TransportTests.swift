import CBOR
import TestSupport
import ProtocolTestVectors
import Foundation
import Logging
import NIOCore
import Synchronization
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesServer
import WebProfilesTransport
import WebProfilesWire

@Suite("RPC transport over Unix sockets", .serialized)
struct TransportTests {
    @Test func healthAnswersOnBothSockets() async throws {
        try await withTestServer { server in
            for path in [server.apiPath, server.operatorPath] {
                let client = WebProfilesClient(socketPath: path)
                let health = try await client.call(HealthAPI.check, Empty())
                #expect(health.status == "serving")
                #expect(health.version == webProfilesVersion)
                #expect(health.uptimeSeconds >= 0)
                await client.close()
            }
        }
    }

    @Test func socketFilesGetTheirModes() async throws {
        try await withTestServer { server in
            let api = try FileManager.default.attributesOfItem(atPath: server.apiPath)[.posixPermissions] as? Int
            let op = try FileManager.default.attributesOfItem(atPath: server.operatorPath)[.posixPermissions] as? Int
            #expect(api == 0o660)
            #expect(op == 0o600)
        }
    }

    @Test func thousandConcurrentCallsOnOneConnection() async throws {
        try await withTestServer { server in
            let client = WebProfilesClient(socketPath: server.apiPath)
            try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for i in 0..<1000 {
                    group.addTask {
                        let response = try await client.call(TestAPI.echo, EchoRequest(value: i, delayMillis: (i * 7) % 50))
                        return (i, response.value)
                    }
                }
                var seen = Set<Int>()
                for try await (sent, received) in group {
                    #expect(sent == received)
                    seen.insert(received)
                }
                #expect(seen.count == 1000)
            }
            await client.close()
        }
    }

    @Test func responsesComeBackOutOfOrder() async throws {
        try await withTestServer { server in
            let connection = try RawConnection(path: server.apiPath)
            try connection.handshake()
            connection.send(RawConnection.request(streamID: 1, method: TestAPI.echo.name, message: .textMap(["value": .unsigned(1), "delayMillis": .unsigned(300)])))
            connection.send(RawConnection.request(streamID: 2, method: TestAPI.echo.name, message: .textMap(["value": .unsigned(2), "delayMillis": .unsigned(0)])))
            let first = try #require(connection.readFrame())
            let second = try #require(connection.readFrame())
            #expect(first.streamID == 2 && first.status == 0)
            #expect(second.streamID == 1 && second.status == 0)
            #expect(second.value?["message"]?["value"] == .unsigned(1))
        }
    }

    @Test func deadlineIsAnsweredDeadlineExceeded() async throws {
        try await withTestServer { server in
            // Server side: timeoutMillis in the REQUEST.
            let connection = try RawConnection(path: server.apiPath)
            try connection.handshake()
            connection.send(RawConnection.request(streamID: 9, method: TestAPI.echo.name, message: .textMap(["value": .unsigned(1), "delayMillis": .unsigned(5000)]), timeoutMillis: 50))
            let response = try #require(connection.readFrame())
            #expect(response.streamID == 9)
            #expect(response.status == StatusCode.deadlineExceeded.rawValue)
            // Client side: the library's timeout.
            let client = WebProfilesClient(socketPath: server.apiPath)
            let started = ContinuousClock.now
            let error = await #expect(throws: RPCError.self) {
                _ = try await client.call(TestAPI.echo, EchoRequest(value: 1, delayMillis: 5000), timeout: .milliseconds(100))
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(ContinuousClock.now - started < .seconds(4))
            await client.close()
        }
    }

    @Test func cancelStopsTheCallAndIsAnsweredCancelled() async throws {
        try await withTestServer { server in
            let connection = try RawConnection(path: server.apiPath)
            try connection.handshake()
            connection.send(RawConnection.request(streamID: 3, method: TestAPI.echo.name, message: .textMap(["value": .unsigned(1), "delayMillis": .unsigned(5000)])))
            try await Task.sleep(for: .milliseconds(100))
            connection.send(RawConnection.frame(kind: 4, streamID: 3))
            let response = try #require(connection.readFrame())
            #expect(response.streamID == 3)
            #expect(response.status == StatusCode.cancelled.rawValue)
            try await Task.sleep(for: .milliseconds(100))
            #expect(server.observations.cancelledCalls.load(ordering: .relaxed) == 1)
        }
    }

    @Test func taskCancellationSendsCancel() async throws {
        try await withTestServer { server in
            let client = WebProfilesClient(socketPath: server.apiPath)
            _ = try await client.call(HealthAPI.check, Empty())
            let task = Task { try await client.call(TestAPI.echo, EchoRequest(value: 1, delayMillis: 5000)) }
            while server.observations.startedCalls.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            task.cancel()
            let error = await #expect(throws: RPCError.self) { try await task.value }
            #expect(error?.code == .cancelled)
            // The server saw the CANCEL and stopped the handler.
            for _ in 0..<100 where server.observations.cancelledCalls.load(ordering: .relaxed) == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(server.observations.cancelledCalls.load(ordering: .relaxed) == 1)
            // The connection still works.
            #expect(try await client.call(TestAPI.echo, EchoRequest(value: 5, delayMillis: 0)).value == 5)
            await client.close()
        }
    }

    @Test func oversizedFrameGetsGoAwayResourceExhausted() async throws {
        var limits = ConnectionLimits()
        limits.maxFrameBytes = 4096
        try await withTestServer(limits: limits) { server in
            let connection = try RawConnection(path: server.apiPath)
            try connection.handshake()
            connection.send([0x00, 0x00, 0x10, 0x09]) // 4105: just over the limit, no body follows
            let goAway = try #require(connection.readFrame())
            #expect(goAway.kind == FrameKind.goaway.rawValue)
            #expect(goAway.status == StatusCode.resourceExhausted.rawValue)
            #expect(connection.isClosedByPeer())
            // Other clients are unaffected.
            let client = WebProfilesClient(socketPath: server.apiPath)
            #expect(try await client.call(HealthAPI.check, Empty()).status == "serving")
            await client.close()
        }
    }

    @Test func garbageFirstFrameGetsGoAway() async throws {
        try await withTestServer { server in
            let connection = try RawConnection(path: server.apiPath)
            connection.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            let goAway = try #require(connection.readFrame())
            #expect(goAway.kind == FrameKind.goaway.rawValue)
            #expect([StatusCode.invalidArgument.rawValue, StatusCode.resourceExhausted.rawValue].contains(goAway.status))
            #expect(connection.isClosedByPeer())
        }
    }

    @Test("every connection-error vector gets its GOAWAY", arguments: ProtocolVectors.shared.connectionErrors)
    func connectionErrorVector(vector: ProtocolVectors.ConnectionError) async throws {
        try await withTestServer { server in
            let connection = try RawConnection(path: server.apiPath)
            if !vector.first { try connection.handshake() }
            connection.send(hex: vector.hex)
            let goAway = try #require(connection.readFrame(), "no answer to \(vector.name)")
            #expect(goAway.kind == FrameKind.goaway.rawValue)
            #expect(StatusCode(rawValue: goAway.status).name == vector.goawayStatus)
            #expect(goAway.value?["message"] != nil)
            #expect(connection.isClosedByPeer())
        }
    }

    @Test("every call-error vector gets its status and the connection survives", arguments: ProtocolVectors.shared.callErrors)
    func callErrorVector(vector: ProtocolVectors.CallError) async throws {
        try await withTestServer { server in
            let connection = try RawConnection(path: server.apiPath)
            try connection.handshake()
            connection.send(hex: vector.hex)
            let response = try #require(connection.readFrame())
            #expect(response.kind == FrameKind.response.rawValue)
            #expect(response.streamID == vector.streamId)
            #expect(StatusCode(rawValue: response.status).name == vector.status)
            if case .text = response.value?["error"]?["message"] {} else { Issue.record("no error message") }
            connection.send(RawConnection.request(streamID: 99, method: HealthAPI.check.name, message: .map([])))
            #expect(connection.readFrame()?.status == 0)
        }
    }

    @Test func handlerErrorsBecomeInternalWithoutTheCause() async throws {
        try await withTestServer { server in
            let client = WebProfilesClient(socketPath: server.apiPath)
            let error = await #expect(throws: RPCError.self) { try await client.call(TestAPI.fail, Empty()) }
            #expect(error?.code == .internal)
            #expect(error?.message == "internal error")
            let refused = await #expect(throws: RPCError.self) { try await client.call(TestAPI.refuse, Empty()) }
            #expect(refused?.code == .failedPrecondition)
            #expect(refused?.message == "refused on purpose")
            let health = try await client.call(HealthAPI.check, Empty())
            #expect(health.status == "serving")
            await client.close()
        }
    }

    @Test func pingIsEchoed() async throws {
        try await withTestServer { server in
            let connection = try RawConnection(path: server.apiPath)
            try connection.handshake()
            connection.send(RawConnection.frame(kind: 5, payload: [1, 2, 3, 4, 5, 6, 7, 8]))
            let pong = try #require(connection.readFrame())
            #expect(pong.kind == FrameKind.pong.rawValue)
            #expect(pong.payload == [1, 2, 3, 4, 5, 6, 7, 8])
        }
    }

    @Test func twoHundredConnectionsAtOnce() async throws {
        try await withTestServer { server in
            let clients = (0..<200).map { _ in WebProfilesClient(socketPath: server.apiPath) }
            try await withThrowingTaskGroup(of: String.self) { group in
                for client in clients { group.addTask { try await client.call(HealthAPI.check, Empty()).status } }
                var count = 0
                for try await status in group {
                    #expect(status == "serving")
                    count += 1
                }
                #expect(count == 200)
            }
            #expect(server.server.connectionCount == 200)
            for client in clients { await client.close() }
        }
    }

    @Test func slowSenderIsDroppedWhileOthersAreServed() async throws {
        var limits = ConnectionLimits()
        limits.frameTimeout = .milliseconds(300)
        try await withTestServer(limits: limits) { server in
            let slow = try RawConnection(path: server.apiPath)
            try slow.handshake()
            let request = RawConnection.request(streamID: 1, method: HealthAPI.check.name, message: .map([]))
            slow.send(Array(request.prefix(10)))
            let client = WebProfilesClient(socketPath: server.apiPath)
            for _ in 0..<5 {
                #expect(try await client.call(HealthAPI.check, Empty()).status == "serving")
                try await Task.sleep(for: .milliseconds(50))
            }
            let goAway = try #require(slow.readFrame())
            #expect(goAway.kind == FrameKind.goaway.rawValue)
            #expect(goAway.status == StatusCode.deadlineExceeded.rawValue)
            #expect(slow.isClosedByPeer())
            #expect(try await client.call(HealthAPI.check, Empty()).status == "serving")
            await client.close()
        }
    }

    @Test func aFrameStalledAfterItsHeaderIsDropped() async throws {
        var limits = ConnectionLimits()
        limits.frameTimeout = .milliseconds(300)
        try await withTestServer(limits: limits) { server in
            let slow = try RawConnection(path: server.apiPath)
            try slow.handshake()
            slow.send(Array(RawConnection.frame(kind: 2, streamID: 1, payload: Array(repeating: 0, count: 1000)).prefix(12)))
            let goAway = try #require(slow.readFrame())
            #expect(goAway.kind == FrameKind.goaway.rawValue)
            #expect(goAway.status == StatusCode.deadlineExceeded.rawValue)
        }
    }

    @Test func aLateCompletionNeverAnswersAReusedStreamID() async throws {
        try await withTestServer { server in
            let connection = try RawConnection(path: server.apiPath)
            try connection.handshake()
            connection.send(RawConnection.request(streamID: 1, method: TestAPI.echo.name, message: .textMap(["value": .unsigned(1), "delayMillis": .unsigned(300)]), timeoutMillis: 50))
            #expect(connection.readFrame()?.status == StatusCode.deadlineExceeded.rawValue)
            connection.send(RawConnection.request(streamID: 1, method: TestAPI.echo.name, message: .textMap(["value": .unsigned(2), "delayMillis": .unsigned(600)])))
            let answer = try #require(connection.frame(within: 3))
            #expect(answer.streamID == 1 && answer.status == 0)
            #expect(answer.value?["message"]?["value"] == .unsigned(2))
        }
    }

    @Test func hugeMetadataMapsAreRefusedWithoutDecoding() async throws {
        try await withTestServer { server in
            let connection = try RawConnection(path: server.apiPath)
            try connection.handshake()
            // ~100k entries in one frame: refused from the map's count, not decoded.
            var entries: [CBORValue.Entry] = []
            for i in 0..<100_000 { entries.append(.init(.text(String(i, radix: 36)), .text(""))) }
            let payload = try CBOREncoder().encode(CBORValue.textMap(["method": .text(HealthAPI.check.name), "message": .map([]), "metadata": .map(entries)]))
            connection.send(RawConnection.frame(kind: 2, streamID: 7, payload: payload))
            let answer = try #require(connection.readFrame())
            #expect(answer.streamID == 7 && answer.status == StatusCode.invalidArgument.rawValue)
            // Container keys are refused while parsing, however many.
            var arrayKeys: [CBORValue.Entry] = []
            for i in 0..<50_000 { arrayKeys.append(.init(.array([.unsigned(UInt64(i))]), .null)) }
            let keyed = try CBOREncoder().encode(CBORValue.textMap(["method": .text(HealthAPI.check.name), "message": .map(arrayKeys)]))
            connection.send(RawConnection.frame(kind: 2, streamID: 8, payload: keyed))
            #expect(connection.readFrame()?.status == StatusCode.invalidArgument.rawValue)
            // The connection goes on.
            connection.send(RawConnection.frame(kind: 2, streamID: 9, payload: try CBOREncoder().encode(CBORValue.textMap(["method": .text(HealthAPI.check.name), "message": .map([])]))))
            #expect(connection.readFrame()?.status == 0)
        }
    }

    @Test func responsesNeverExceedTheClientsMaxFrameBytes() async throws {
        try await withTestServer { server in
            let connection = try RawConnection(path: server.apiPath)
            try connection.handshake(maxFrameBytes: 1024)
            connection.send(RawConnection.request(streamID: 1, method: TestAPI.blob.name, message: .textMap(["value": .unsigned(100), "delayMillis": .unsigned(0)])))
            #expect(connection.readFrame()?.status == 0)
            connection.send(RawConnection.request(streamID: 2, method: TestAPI.blob.name, message: .textMap(["value": .unsigned(5000), "delayMillis": .unsigned(0)])))
            let answer = try #require(connection.readFrame())
            #expect(answer.status == StatusCode.resourceExhausted.rawValue && answer.payload.count + 8 <= 1024)
        }
    }

    @Test func helloMustArriveWithinTheFrameTimeout() async throws {
        var limits = ConnectionLimits()
        limits.frameTimeout = .milliseconds(200)
        try await withTestServer(limits: limits) { server in
            let silent = try RawConnection(path: server.apiPath)
            let goAway = try #require(silent.readFrame())
            #expect(goAway.kind == FrameKind.goaway.rawValue)
            #expect(silent.isClosedByPeer())
        }
    }

    @Test func idleConnectionsCloseAndTheClientReconnects() async throws {
        var limits = ConnectionLimits()
        limits.idleTimeout = .milliseconds(200)
        try await withTestServer(limits: limits) { server in
            let client = WebProfilesClient(socketPath: server.apiPath)
            #expect(try await client.call(HealthAPI.check, Empty()).status == "serving")
            try await Task.sleep(for: .milliseconds(500))
            #expect(server.server.connectionCount == 0)
            // The next call opens a new connection by itself.
            #expect(try await client.call(HealthAPI.check, Empty()).status == "serving")
            await client.close()
        }
    }

    @Test func clientReconnectsAfterTheServerRestarts() async throws {
        let first = try await TestServer()
        let client = WebProfilesClient(socketPath: first.apiPath)
        #expect(try await client.call(HealthAPI.check, Empty()).status == "serving")
        try await first.stop()
        let down = await #expect(throws: RPCError.self) { try await client.call(HealthAPI.check, Empty()) }
        #expect(down?.code == .unavailable)
        await client.close()
    }

    @Test func connectionLimitIsEnforced() async throws {
        var limits = ConnectionLimits()
        limits.maxConnections = 2
        try await withTestServer(limits: limits) { server in
            let a = WebProfilesClient(socketPath: server.apiPath)
            let b = WebProfilesClient(socketPath: server.apiPath)
            let c = WebProfilesClient(socketPath: server.apiPath)
            _ = try await a.call(HealthAPI.check, Empty())
            _ = try await b.call(HealthAPI.check, Empty())
            let error = await #expect(throws: RPCError.self) { try await c.call(HealthAPI.check, Empty()) }
            #expect(error?.code == .unavailable)
            await a.close()
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await c.call(HealthAPI.check, Empty()).status == "serving")
            await b.close()
            await c.close()
        }
    }

    @Test func operatorSocketRefusesUIDsNotAllowed() async throws {
        try await withTestServer(operatorUIDs: [getuid() &+ 12345]) { server in
            let connection = try RawConnection(path: server.operatorPath)
            #expect(connection.isClosedByPeer())
            let client = WebProfilesClient(socketPath: server.operatorPath)
            let error = await #expect(throws: RPCError.self) { try await client.call(HealthAPI.check, Empty()) }
            #expect(error?.code == .unavailable)
            await client.close()
        }
    }

    @Test func gracefulStopFinishesCallsInFlight() async throws {
        let server = try await TestServer()
        let client = WebProfilesClient(socketPath: server.apiPath)
        _ = try await client.call(HealthAPI.check, Empty())
        let calls = (0..<20).map { i in Task { try await client.call(TestAPI.echo, EchoRequest(value: i, delayMillis: 300)) } }
        while server.observations.startedCalls.load(ordering: .relaxed) < 20 { try await Task.sleep(for: .milliseconds(10)) }
        try await server.stop()
        for (i, call) in calls.enumerated() { #expect(try await call.value.value == i) }
        #expect(!FileManager.default.fileExists(atPath: server.apiPath))
        #expect(!FileManager.default.fileExists(atPath: server.operatorPath))
        await client.close()
    }

    @Test func staleSocketFileIsReplacedAndALiveOneIsNot() async throws {
        try await withTestServer { server in
            // A second server on the same live path must refuse to start.
            let second = RPCServer(
                listeners: [ListenerConfiguration(kind: .api, source: .path(server.apiPath, mode: 0o660))],
                limits: ConnectionLimits(), dispatcher: Router(), peerName: "x", logger: .init(label: "x")
            )
            let error = await #expect(throws: TransportError.self) { try await second.run() }
            #expect(error?.message.contains("already listening") == true)
        }
        // A leftover socket file with nobody behind it is replaced.
        let directory = NSTemporaryDirectory() + "webprofiles-stale-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/api.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
        }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        #expect(FileManager.default.fileExists(atPath: path))
        let server = RPCServer(
            listeners: [ListenerConfiguration(kind: .api, source: .path(path, mode: 0o660))],
            limits: ConnectionLimits(), dispatcher: Router(), peerName: "x", logger: .init(label: "x")
        )
        let run = Task { try await server.run() }
        try await server.waitUntilReady()
        run.cancel()
        try await run.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}
