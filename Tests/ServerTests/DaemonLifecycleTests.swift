import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesWire
@testable import WebProfilesServer

/// The daemon's lifecycle in the test process (a debug build, assertions on): every resource
/// stops with the group, the hasher's threads included, and nothing keeps the daemon alive.
@Suite("Daemon lifecycle")
struct DaemonLifecycleTests {
    @Test func stopsCleanlyAndIsReleased() async throws {
        weak var released: WebProfilesDaemon?
        do {
            let daemon = try await InProcessDaemon()
            released = daemon.daemon
            let (token, _) = try await daemon.company()
            #expect(try await daemon.apiClient(token: token).whoami().principal.username == "mario.rossi")
            #expect(try await daemon.reload(throughOperatorCall: true).isEmpty)
            try await daemon.stop()
        }
        // No cycle holds the daemon once its group has run (NIO's thread pool would assert on
        // deinit if the hasher's threads had not been stopped).
        for _ in 0..<100 where released != nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(released == nil)
    }

    @Test func aReloadAfterTheStopIsUnavailable() async throws {
        let daemon = try await InProcessDaemon()
        let app = daemon.daemon
        try await daemon.stop()
        do {
            _ = try await app.reload()
            Issue.record("a stopped daemon reloaded")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
        }
    }
}
