#if PostgreSQL
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The daemon's one listening connection to the shared database: it hears every committed
/// change (the triggers' notifications, in commit order) and publishes it to the store's
/// ``ChangeFeed``, and it sends a heartbeat every ``heartbeatInterval`` on the same channel,
/// whose echo renews the backend's ``ChangeLease``.
///
/// Each heartbeat carries the oldest transaction still running when it was sent
/// (`pg_snapshot_xmin`): every transaction that commits after that heartbeat has an id at least
/// that. After a lost connection, the listener listens again, then replays the change log from
/// the last echoed heartbeat's xmin before it sends a heartbeat again, so the lease is renewed
/// only once nothing was missed; when the log no longer reaches back that far, every cache is
/// flushed instead.
final class PostgresChangeListener: Sendable {
    let backend: PostgresBackend
    let feed: ChangeFeed
    let heartbeatInterval: Duration = .milliseconds(20)
    /// A heartbeat unanswered this long means a dead connection the kernel has not noticed (a
    /// partition, a stopped server): it is dropped and opened again.
    let stallTimeout: UInt64 = 2_000_000_000

    /// The xmin of the last echoed heartbeat (where a catch-up starts), across reconnections.
    private let resumeFrom = Mutex<String?>(nil)
    /// Listening connections opened so far (each heartbeat names its connection).
    private let connections = Atomic<UInt64>(0)

    init(backend: PostgresBackend, feed: ChangeFeed) {
        self.backend = backend
        self.feed = feed
    }

    var logger: Logger { backend.logger }

    func run() async throws {
        var backoff: Duration = .milliseconds(50)
        while !Task.isCancelled {
            let progress = ListenerProgress()
            do {
                try await listenOnce(progress)
            } catch {
                backend.lease.expire()
                // Only the daemon's own shutdown ends the listener: a cancellation error from
                // inside (a child task, the client library) is one more failure to retry.
                if Task.isCancelled { break }
                logger.warning("change listener lost the database; memory is bypassed until it is back",
                               metadata: ["error": "\(PostgresBackend.describe(error))"])
                // A connection that had worked is retried at once; one that keeps failing, less often.
                backoff = progress.echoed ? .milliseconds(50) : min(backoff * 2, .seconds(2))
                try? await Task.sleep(for: backoff)
            }
        }
        backend.lease.expire()
    }

    /// One listening connection, until it fails. A watchdog covers every step (connecting,
    /// catching up, each heartbeat): without progress for ``stallTimeout`` the connection is
    /// closed, which ends whatever waits on it, and the attempt fails.
    private func listenOnce(_ progress: ListenerProgress) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(250))
                    let last = progress.lastProgress
                    let now = ChangeLease.now
                    if now > last && now - last > self.stallTimeout {
                        progress.closeConnection()
                        throw ListenerStalled()
                    }
                }
            }
            group.addTask { try await self.session(progress) }
            defer { progress.closeConnection() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// One listening connection: LISTEN, catch up, then heartbeats until the connection fails.
    /// Notifications and heartbeats run on the connection's event loop (postgres-nio's callback
    /// listener and a repeated task), so that nothing here waits on a sequence that a closed
    /// connection might never finish, and a heartbeat costs no hop between threads.
    private func session(_ progress: ListenerProgress) async throws {
        // Heartbeats name this daemon and this connection: a late echo of an earlier
        // connection's heartbeat proves nothing about this one.
        let tag = "\(backend.hostID)-\(connections.wrappingAdd(1, ordering: .relaxed).newValue)"
        let connection = try await backend.makeListeningConnection()
        guard progress.adopt(connection) else { throw ListenerStalled() }
        let pending = PendingHeartbeats()
        let listening = connection.addListener(channel: PostgresSchema.channel) { _, notification in
            self.handle(notification.payload, tag: tag, pending: pending, progress: progress)
        }
        defer { listening.stop() }
        _ = try await connection.query(PostgresQuery(unsafeSQL: "LISTEN \(PostgresSchema.channel)"), logger: logger)
        try await catchUp(connection, progress: progress)
        progress.advance()
        logger.debug("listening for other daemons' changes", metadata: ["connection": "\(tag)"])
        let logger = self.logger
        // The session ends at the first of: the connection closing, a heartbeat failing, the
        // listener being cancelled (a heartbeat written to a closed connection never answers,
        // so the close is watched for itself).
        let ended = connection.eventLoop.makePromise(of: Void.self)
        let once = ResumeOnce()
        let end: @Sendable (any Error) -> Void = { error in if once.claim() { ended.fail(error) } }
        connection.closeFuture.whenComplete { _ in end(ListenerEnded()) }
        let heartbeats = connection.eventLoop.scheduleRepeatedAsyncTask(initialDelay: .zero, delay: TimeAmount(heartbeatInterval)) { _ in
            let number = pending.send(at: ChangeLease.now)
            var binds = PostgresBindings(capacity: 2)
            binds.append(PostgresSchema.channel)
            binds.append("h:\(tag):\(number):")
            return connection.query(PostgresQuery(unsafeSQL: "SELECT pg_notify($1, $2 || pg_snapshot_xmin(pg_current_snapshot())::text)",
                                                  binds: binds), logger: logger)
                .map { _ in }
                .flatMapErrorThrowing { error in
                    end(error)
                    throw error
                }
        }
        defer { heartbeats.cancel() }
        try await withTaskCancellationHandler {
            try await ended.futureResult.get()
        } onCancel: {
            end(CancellationError())
        }
    }

    private func handle(_ payload: String, tag: String, pending: PendingHeartbeats, progress: ListenerProgress) {
        if payload.hasPrefix("h:") {
            let parts = payload.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[1] == tag, let number = UInt64(parts[2]) else { return }
            let sentAt = pending.echoed(number)
            resumeFrom.withLock { $0 = String(parts[3]) }
            if let sentAt {
                backend.lease.renew(sentAt: sentAt)
                progress.advance(echoed: true)
            }
            return
        }
        if let change = StoreChange(logText: payload) { feed.publish([change]) }
    }

    /// The most distinct changes a catch-up replays; beyond, every cache is flushed instead.
    static let catchUpLimit = 100_000

    /// Replays what was committed since the last echoed heartbeat (nothing on the first
    /// connection: nothing is cached yet), or flushes everything when the log's purge has gone
    /// past it or there is too much to replay. The log is read before the horizon, so that a
    /// purge committing in between is seen (and flushes) rather than silently losing rows.
    private func catchUp(_ connection: PostgresConnection, progress: ListenerProgress) async throws {
        guard let xmin = resumeFrom.withLock({ $0 }), UInt64(xmin) != nil else {
            feed.publish([.all])
            return
        }
        var changes: [StoreChange] = []
        var rows = 0
        for try await text in try await connection.query(
            "SELECT DISTINCT change FROM changeLog WHERE xid >= \(xmin)::xid8 LIMIT \(Self.catchUpLimit + 1)", logger: logger).decode(String.self) {
            rows += 1
            if rows % 1000 == 0 { progress.advance() }
            if let change = StoreChange(logText: text) { changes.append(change) }
        }
        var purgedPast = false
        for try await (purged) in try await connection.query(
            "SELECT (purgedThrough >= \(xmin)::xid8) AS purged FROM changeLogHorizon WHERE id = 1", logger: logger).decode(Bool.self) {
            purgedPast = purged
        }
        if purgedPast || rows > Self.catchUpLimit {
            logger.notice("change log no longer reaches back to the last heartbeat, or holds too much to replay; caches flushed")
            feed.publish([.all])
            return
        }
        if !changes.isEmpty {
            logger.info("caught up after a reconnection", metadata: ["changes": "\(changes.count)"])
            feed.publish(changes)
        }
    }
}
#endif

#if PostgreSQL
/// The heartbeats stopped: the listening connection is gone.
struct ListenerEnded: Error, CustomStringConvertible {
    var description: String { "the listening connection ended" }
}

/// What one listening attempt has achieved, and its connection, for the watchdog.
final class ListenerProgress: Sendable {
    private struct State {
        var lastProgress = ChangeLease.now
        var echoed = false
        var connection: PostgresConnection?
        var closed = false
    }
    private let state = Mutex(State())

    var lastProgress: UInt64 { state.withLock { $0.lastProgress } }
    /// Whether a heartbeat came back on this attempt's connection.
    var echoed: Bool { state.withLock { $0.echoed } }

    func advance(echoed: Bool = false) {
        state.withLock {
            $0.lastProgress = ChangeLease.now
            if echoed { $0.echoed = true }
        }
    }

    /// Keeps the new connection for the watchdog to close; false (and it is closed) when the
    /// watchdog gave up already.
    func adopt(_ connection: PostgresConnection) -> Bool {
        let kept = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.connection = connection
            state.lastProgress = ChangeLease.now
            return true
        }
        if !kept { PostgresBackend.close(connection) }
        return kept
    }

    func closeConnection() {
        let connection = state.withLock { state -> PostgresConnection? in
            state.closed = true
            defer { state.connection = nil }
            return state.connection
        }
        if let connection { PostgresBackend.close(connection) }
    }
}

/// A heartbeat went unanswered for ``PostgresChangeListener/stallTimeout``.
struct ListenerStalled: Error, CustomStringConvertible {
    var description: String { "the listening connection stopped answering heartbeats" }
}

/// Heartbeats sent and not yet echoed, by sequence number: their send times.
final class PendingHeartbeats: Sendable {
    private let sentTimes = Mutex<[UInt64: UInt64]>([:])

    private let lastNumber = Atomic<UInt64>(0)

    /// Numbers the next heartbeat, sent at `time`.
    func send(at time: UInt64) -> UInt64 {
        let number = lastNumber.wrappingAdd(1, ordering: .relaxed).newValue
        sentTimes.withLock { $0[number] = time }
        return number
    }

    /// The send time of heartbeat `number`, which came back; it and every earlier one are forgotten.
    func echoed(_ number: UInt64) -> UInt64? {
        sentTimes.withLock { sent in
            let time = sent[number]
            sent = sent.filter { $0.key > number }
            return time
        }
    }
}
#endif
