#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import WebProfilesSystemd

/// sd_notify traffic of ``ServiceManagerNotifications``, read from a datagram socket standing in
/// for systemd's NOTIFY_SOCKET.
@Suite("Service manager notifications", .serialized)
struct ServiceManagerNotificationsTests {
    final class NotifySocket: @unchecked Sendable {
        // @unchecked: the descriptor is only read by the test that owns it.
        let path: String
        let fd: Int32

        init() {
            path = NSTemporaryDirectory() + "wp-notify-\(UUID().uuidString.prefix(8)).sock"
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(fd)
            unlink(path)
        }

        /// Every message received within `seconds`.
        func messages(for seconds: Double) -> [String] {
            var result: [String] = []
            let end = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < end {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { result.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
            }
            return result
        }
    }

    func run(healthy: Bool) async throws -> [String] {
        let socket = NotifySocket()
        setenv("NOTIFY_SOCKET", socket.path, 1)
        setenv("WATCHDOG_USEC", "200000", 1)
        unsetenv("WATCHDOG_PID")
        defer {
            unsetenv("NOTIFY_SOCKET")
            unsetenv("WATCHDOG_USEC")
        }
        struct Stuck: Error {}
        let service = ServiceManagerNotifications(
            ready: {}, status: { "3 connections, 2 sessions in use" },
            healthCheck: { if !healthy { throw Stuck() } },
            logger: Logger(label: "test")
        )
        var logger = Logger(label: "group")
        logger.logLevel = .critical
        let group = ServiceGroup(services: [service], logger: logger)
        let task = Task { try await group.run() }
        let messages = socket.messages(for: 0.8)
        await group.triggerGracefulShutdown()
        try await task.value
        return messages + socket.messages(for: 0.2)
    }

    @Test func readyStatusWatchdogStopping() async throws {
        let messages = try await run(healthy: true)
        #expect(messages.first == "READY=1\nSTATUS=3 connections, 2 sessions in use")
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 3)
        #expect(messages.last?.hasPrefix("STOPPING=1") == true)
    }

    @Test func aStuckDaemonStopsPettingTheWatchdog() async throws {
        let messages = try await run(healthy: false)
        #expect(messages.first?.hasPrefix("READY=1") == true)
        #expect(!messages.contains("WATCHDOG=1"))
        #expect(messages.contains { $0.hasPrefix("STATUS=") })
    }
}
