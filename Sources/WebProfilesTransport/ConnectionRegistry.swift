import Logging
import NIOCore
import Synchronization

/// The open connections of all listeners, for limits, statistics and the final drain.
///
/// Made before the server that fills it, so that what reports on connections (health,
/// statistics) reads it without holding the server.
package final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var perListener: [ListenerKind: Int] = [:]
        var maxPerListener: [ListenerKind: Int]
        var draining = false
    }
    private let state: Mutex<State>

    package init() { state = Mutex(State(maxPerListener: [:])) }

    /// Changes a listener's maximum, for connections accepted from now on.
    func setMaximum(_ maximum: Int, for listener: ListenerKind) {
        state.withLock { $0.maxPerListener[listener] = maximum }
    }

    func maximum(for listener: ListenerKind) -> Int {
        state.withLock { $0.maxPerListener[listener] ?? 0 }
    }

    /// Connections open on all listeners.
    package var count: Int { state.withLock { $0.channels.count } }

    /// Whether the server has begun its graceful shutdown.
    package var isDraining: Bool { state.withLock { $0.draining } }

    /// Connections open on one listener.
    package func count(of listener: ListenerKind) -> Int { state.withLock { $0.perListener[listener] ?? 0 } }

    func add(_ channel: any Channel, listener: ListenerKind) -> Bool {
        state.withLock { state in
            guard !state.draining, state.perListener[listener, default: 0] < state.maxPerListener[listener, default: 0] else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            state.perListener[listener, default: 0] += 1
            return true
        }
    }

    func remove(_ channel: any Channel, listener: ListenerKind) {
        state.withLock { state in
            if state.channels.removeValue(forKey: ObjectIdentifier(channel)) != nil {
                state.perListener[listener, default: 1] -= 1
            }
        }
    }

    /// Sends every connection a drain request, waits for them to close within `gracePeriod`,
    /// then closes the rest.
    func drain(gracePeriod: Duration, logger: Logger) async {
        let channels = state.withLock { state in
            state.draining = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ServerConnectionHandler.Drain())
        }
        let clock = ContinuousClock()
        let deadline = clock.now + gracePeriod
        while count > 0 && clock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let remaining = state.withLock { Array($0.channels.values) }
        if !remaining.isEmpty {
            logger.warning("grace period over: closing connections with calls still in flight", metadata: ["connections": "\(remaining.count)"])
            for channel in remaining { try? await channel.close() }
        }
    }
}
