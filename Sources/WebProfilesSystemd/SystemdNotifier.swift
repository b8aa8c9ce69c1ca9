#if canImport(Glibc)
import Glibc
#endif
import CSystemd

/// Talks to the service manager through `sd_notify` (a no-op when not started by systemd).
package struct SystemdNotifier: Sendable {
    private let send: @Sendable (String) -> Void
    private let requestedWatchdog: Duration?

    /// The process's service manager: `sd_notify`, and the watchdog interval it asked for.
    package init() {
        send = { _ = sd_notify(0, $0) }
        var usec: UInt64 = 0
        requestedWatchdog = sd_watchdog_enabled(0, &usec) > 0 && usec > 0 ? .microseconds(Int64(usec)) : nil
    }

    /// A notifier that hands every message to `send` (tests).
    package init(watchdogInterval: Duration?, send: @escaping @Sendable (String) -> Void) {
        self.send = send
        self.requestedWatchdog = watchdogInterval
    }

    /// Sends one or more `KEY=value` lines.
    package func notify(_ state: String) {
        send(state)
    }

    package func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    package func status(_ status: String) { notify("STATUS=\(status)") }
    package func watchdog() { notify("WATCHDOG=1") }
    package func stopping() { notify("STOPPING=1\nSTATUS=stopping") }

    /// `RELOADING=1` with the monotonic timestamp systemd ≥ 253 expects.
    package func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        notify("RELOADING=1\nMONOTONIC_USEC=\(usec)")
    }

    /// The watchdog interval asked for by the service manager (`WATCHDOG_USEC`), if any.
    package var watchdogInterval: Duration? { requestedWatchdog }
}

func getenvString(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}
