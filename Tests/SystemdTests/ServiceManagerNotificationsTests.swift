import Logging
import ServiceLifecycle
import Synchronization
import Testing
import WebProfilesSystemd

/// What ``ServiceManagerNotifications`` tells the service manager, recorded in memory.
@Suite("Service manager notifications")
struct ServiceManagerNotificationsTests {
    final class Recorder: Sendable {
        let messages = Mutex<[String]>([])
        var all: [String] { messages.withLock { $0 } }
    }

    func run(healthy: Bool) async throws -> [String] {
        let recorder = Recorder()
        let notifier = SystemdNotifier(watchdogInterval: .milliseconds(200)) { message in
            recorder.messages.withLock { $0.append(message) }
        }
        struct Stuck: Error {}
        let service = ServiceManagerNotifications(
            notifier: notifier, ready: {}, status: { "3 connections, 2 sessions in use" },
            healthCheck: { if !healthy { throw Stuck() } },
            logger: Logger(label: "test")
        )
        var logger = Logger(label: "group")
        logger.logLevel = .critical
        let group = ServiceGroup(services: [service], logger: logger)
        let task = Task { try await group.run() }
        // Wait for three watchdog periods to have passed (each sends a STATUS), however busy
        // the machine is; bounded.
        for _ in 0..<500 where recorder.all.filter({ $0.hasPrefix("STATUS=") }).count < 3 {
            try await Task.sleep(for: .milliseconds(20))
        }
        await group.triggerGracefulShutdown()
        try await task.value
        return recorder.all
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
        #expect(messages.last?.hasPrefix("STOPPING=1") == true)
    }
}
