#if PostgreSQL
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The shared backend: one PostgreSQL database for every daemon of a deployment.
///
/// The store's rules are synchronous statements over ``StoreTransaction``; here each transaction
/// runs on a thread of the backend's own pool, holding one connection, and waits for each
/// statement's answer on that thread (never on an event loop, never on the cooperative pool).
/// Writes run SERIALIZABLE, so a check-then-write body commits only if it ran as if alone; a
/// serialization failure (40001) or a deadlock (40P01) runs the body again, after a jittered
/// pause, a bounded number of times (then UNAVAILABLE). Reads run REPEATABLE READ READ ONLY (a
/// consistent snapshot that never fails for conflicts).
///
/// Committed changes reach every daemon through ``run(changes:)``: a listening connection hears
/// the notifications the schema's triggers send (``PostgresSchema``), and a heartbeat echoed on
/// the same connection proves how fresh what it heard is (``ChangeLease``).
package final class PostgresBackend: StorageBackend {
    package let health: StorageHealth
    package let uri: PostgresURI
    /// Proof that the changes other daemons committed have been heard (``cacheIsTrustworthy``).
    package let lease: ChangeLease
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    /// Identifies this daemon's heartbeats among every daemon's on the channel.
    let hostID: String
    private let threads: NIOThreadPool
    private let eventLoops: any EventLoopGroup
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextConnectionID = Atomic<Int>(1)
    private let schema = Mutex<SchemaState>(.unchecked)

    /// Connections (and transaction threads) at most.
    package static let poolSize = 8
    /// How many times a write that conflicted runs again before UNAVAILABLE.
    static let maxAttempts = 12

    enum SchemaState: Sendable {
        case unchecked
        case ready
        case tooNew(Int)
    }

    package struct SchemaTooNew: Error, CustomStringConvertible {
        package var version: Int
        package var description: String {
            "the database's schema is version \(version), newer than this daemon knows (\(PostgresSchema.latestVersion)); upgrade the daemon"
        }
    }

    /// - Parameters:
    ///   - password: from the file or the systemd credential the configuration names; nil for
    ///     peer or trust authentication.
    ///   - leaseDuration: how long an echoed heartbeat vouches for the caches (default 100 ms).
    package init(uri: PostgresURI, password: String?, health: StorageHealth = StorageHealth(), leaseDuration: Duration = .milliseconds(100),
                 logger: Logger, eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.uri = uri
        self.health = health
        self.logger = logger
        self.eventLoops = eventLoops
        self.lease = ChangeLease(duration: leaseDuration)
        self.hostID = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var configuration: PostgresConnection.Configuration
        switch uri.endpoint {
        case .socketDirectory:
            configuration = PostgresConnection.Configuration(unixSocketPath: uri.socketPath!, username: uri.user, password: password, database: uri.database)
        case .tcp(let host):
            configuration = PostgresConnection.Configuration(host: host, port: uri.port, username: uri.user, password: password, database: uri.database,
                                                             tls: try Self.tls(uri.sslMode))
        }
        configuration.options.connectTimeout = .seconds(5)
        // A statement stuck behind a lock, or a transaction left open, ends instead of holding a
        // thread and a connection.
        configuration.options.additionalStartupParameters = [
            ("application_name", uri.applicationName ?? "webprofiled"),
            ("statement_timeout", "8000"),
            // A dead TCP peer (a partition) is noticed in seconds, not after the kernel's two
            // hours, so that a lock its session held is released by the server.
            ("tcp_keepalives_idle", "5"),
            ("tcp_keepalives_interval", "2"),
            ("tcp_keepalives_count", "3"),
            ("tcp_user_timeout", "10000"),
            ("idle_in_transaction_session_timeout", "30000"),
        ]
        self.configuration = configuration
        threads = NIOThreadPool(numberOfThreads: Self.poolSize)
        threads.start()
    }

    deinit {
        for connection in idle.withLock({ $0 }) { Self.close(connection) }
        threads.shutdownGracefully { _ in }
    }

    static func tls(_ mode: PostgresURI.SSLMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable:
            return .disable
        case .prefer, .require:
            // libpq's require encrypts without checking the certificate; prefer falls back to none.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            let context = try NIOSSLContext(configuration: tls)
            return mode == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    // MARK: StorageBackend

    package var cacheIsTrustworthy: Bool { lease.isFresh }

    package var isShared: Bool { true }

    package var freshnessBound: Duration? { lease.duration }

    package func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await onPoolThread { try self.transaction(readOnly: true, body) }
    }

    package func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await onPoolThread { try self.transaction(readOnly: false, body) }
    }

    package func probe(now: Date) async {
        _ = try? await write { tx in
            try tx.execute("INSERT INTO storageProbe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at", [.date(now)])
        }
    }

    package func run(changes: ChangeFeed) async throws {
        try await PostgresChangeListener(backend: self, feed: changes).run()
    }

    /// How long the change log keeps what it recorded (a daemon away longer flushes its caches).
    package static let changeLogRetention: TimeInterval = 3600

    /// Purges the change log of what is older than ``changeLogRetention``, moving the horizon
    /// a catching-up daemon compares with.
    package func maintain(now: Date) async throws {
        _ = try await write { tx in
            try tx.execute("""
                WITH purged AS (DELETE FROM changeLog WHERE at < ? RETURNING xid)
                UPDATE changeLogHorizon SET purgedThrough = GREATEST(purgedThrough, (SELECT MAX(xid) FROM purged))
                WHERE id = 1 AND EXISTS (SELECT 1 FROM purged)
                """, [.date(now.addingTimeInterval(-Self.changeLogRetention))])
        }
    }

    // MARK: Transactions

    private func onPoolThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threads.runIfActive(eventLoop: eventLoops.any(), body).get()
    }

    private func transaction<T>(readOnly: Bool, _ body: (any StoreTransaction) throws -> T) throws -> T {
        do {
            try ensureSchema()
            var attempt = 1
            while true {
                let connection = try acquire()
                let tx = PostgresTransaction(connection: connection, logger: logger)
                // A write that conflicted runs again holding the retry lock: retries queue behind
                // one another (on every daemon) instead of colliding again, so a hot row's writers
                // take turns rather than starve. Taken before BEGIN, so the snapshot follows it.
                let serialized = attempt > 1
                var reusable = true
                let outcome: Result<T, any Error>
                do {
                    if serialized { try tx.run("SELECT pg_advisory_lock(\(PostgresSchema.retryLock))") }
                    try tx.run(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN ISOLATION LEVEL SERIALIZABLE")
                    do {
                        let value = try body(tx)
                        try tx.commit()
                        outcome = .success(value)
                    } catch {
                        // Aborted, or refused by its body: end the transaction, keep the connection.
                        if !Self.isConnectionFailure(error) {
                            do { try tx.run("ROLLBACK") } catch { reusable = false }
                        }
                        throw error
                    }
                } catch {
                    outcome = .failure(error)
                    if Self.isConnectionFailure(error) { reusable = false }
                }
                if serialized && reusable {
                    do { try tx.run("SELECT pg_advisory_unlock(\(PostgresSchema.retryLock))") } catch { reusable = false }
                }
                // A connection in doubt is closed (which also releases a lock it held).
                if reusable { release(connection) } else { discard(connection) }
                switch outcome {
                case .success(let value):
                    health.succeeded(write: !readOnly)
                    return value
                case .failure(let error):
                    guard Self.isConflict(error) else { throw error }
                    guard attempt < Self.maxAttempts else {
                        throw StoreError(.unavailable, "the database refused the change \(attempt) times for conflicts with concurrent ones; try again")
                    }
                    attempt += 1
                    // Jittered and growing: concurrent writers of the same rows drift apart.
                    usleep(UInt32.random(in: 0...UInt32(min(50_000, 1_000 << min(attempt, 6)))))
                }
            }
        } catch {
            throw examine(error)
        }
    }

    /// An idle connection, or a new one.
    private func acquire() throws -> PostgresConnection {
        if let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        let id = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        let configuration = self.configuration
        let logger = self.logger
        let loop = eventLoops.any()
        return try Self.connectWaiting(on: loop, configuration: configuration, id: id, logger: logger)
    }

    private func release(_ connection: PostgresConnection) {
        let kept = idle.withLock { connections -> Bool in
            guard connections.count < Self.poolSize else { return false }
            connections.append(connection)
            return true
        }
        if !kept { discard(connection) }
    }

    private func discard(_ connection: PostgresConnection) {
        Self.close(connection)
    }

    /// Closes a connection, keeping it alive until it has closed (postgres-nio asserts that a
    /// connection is closed before it is released).
    static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Connects, giving up after ``PostgresTransaction/answerTimeout`` (a stopped server accepts
    /// the socket and never answers the startup); a connection that completes after the wait was
    /// given up is closed. Does not hold a thread while it waits.
    static func connect(on loop: any EventLoop, configuration: PostgresConnection.Configuration, id: Int, logger: Logger) async throws -> PostgresConnection {
        let resumed = ResumeOnce()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PostgresConnection, any Error>) in
            Task {
                let outcome: Result<PostgresConnection, any Error>
                do { outcome = .success(try await PostgresConnection.connect(on: loop, configuration: configuration, id: id, logger: logger)) } catch { outcome = .failure(error) }
                if resumed.claim() { continuation.resume(with: outcome) } else if case .success(let connection) = outcome { close(connection) }
            }
            Task {
                try? await Task.sleep(for: .seconds(PostgresTransaction.answerTimeout))
                if resumed.claim() { continuation.resume(throwing: PostgresTransaction.NoAnswer()) }
            }
        }
    }

    /// ``connect(on:configuration:id:logger:)`` from a pool thread, which waits for it (the
    /// wait is bounded by the connect's own timeout).
    static func connectWaiting(on loop: any EventLoop, configuration: PostgresConnection.Configuration, id: Int, logger: Logger) throws -> PostgresConnection {
        let result = Mutex<Result<PostgresConnection, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<PostgresConnection, any Error>
            do { outcome = .success(try await connect(on: loop, configuration: configuration, id: id, logger: logger)) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    // MARK: Schema

    /// Brings the schema to this daemon's version once per process (other daemons starting at
    /// the same time wait on the advisory lock and find it done), and refuses a newer one.
    private func ensureSchema() throws {
        switch schema.withLock({ $0 }) {
        case .ready: return
        case .tooNew(let version): throw SchemaTooNew(version: version)
        case .unchecked: break
        }
        let connection = try acquire()
        let tx = PostgresTransaction(connection: connection, logger: logger)
        do {
            // Held by the session: released below, or by the server when a failure discards the
            // connection.
            try tx.run("SELECT pg_advisory_lock(\(PostgresSchema.migrationLock))")
            try tx.run("CREATE TABLE IF NOT EXISTS webprofiledSchema (version BIGINT NOT NULL, appliedAt TIMESTAMPTZ NOT NULL DEFAULT now())")
            let current = try tx.scalar("SELECT COALESCE(MAX(version), 0) AS version FROM webprofiledSchema", as: Int.self) ?? 0
            if current > PostgresSchema.latestVersion {
                schema.withLock { $0 = .tooNew(current) }
                try tx.run("SELECT pg_advisory_unlock(\(PostgresSchema.migrationLock))")
                release(connection)
                throw SchemaTooNew(version: current)
            }
            for migration in PostgresSchema.migrations where migration.version > current {
                try tx.run("BEGIN")
                for statement in PostgresSchema.statements(migration.sql) { try tx.run(statement) }
                try tx.execute("INSERT INTO webprofiledSchema (version) VALUES (?)", [.integer(Int64(migration.version))])
                try tx.run("COMMIT")
                logger.notice("database schema migrated", metadata: ["version": "\(migration.version)"])
            }
            try tx.run("SELECT pg_advisory_unlock(\(PostgresSchema.migrationLock))")
            schema.withLock { $0 = .ready }
            release(connection)
        } catch let error as SchemaTooNew {
            throw error
        } catch {
            discard(connection)
            throw error
        }
    }

    // MARK: Errors

    /// A serialization failure or a deadlock: the transaction may simply run again.
    static func isConflict(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// The connection itself failed (closed, refused, the server shutting down): discard it.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        if error is NIOConnectionError || error is ChannelError || error is IOError || error is PostgresTransaction.NoAnswer { return true }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .sslUnsupported, .failedToAddSSLHandler:
            return true
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            // 57P0x: the server is shutting down or starting; 08: connection exceptions.
            return state.hasPrefix("57P") || state.hasPrefix("08")
        default:
            return false
        }
    }

    /// The store error a caller gets for `error`: storage faults are UNAVAILABLE or DATA_LOSS
    /// (and recorded in ``health``); refusals of the store's rules go on as they are.
    private func examine(_ error: any Error) -> any Error {
        if let error = error as? StoreError {
            if error.code == .unavailable || error.code == .dataLoss { health.failed(error) }
            return error
        }
        let storeError: StoreError
        if let error = error as? SchemaTooNew {
            storeError = StoreError(.unavailable, error.description)
        } else if Self.isConnectionFailure(error) {
            storeError = StoreError(.unavailable, "the database cannot be reached (\(Self.describe(error)))")
        } else if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] {
            switch state {
            case "XX001", "XX002": storeError = StoreError(.dataLoss, "the database reports corrupt data (\(state))")
            case "57014": storeError = StoreError(.unavailable, "the database took too long to answer")
            case _ where state.hasPrefix("53"): storeError = StoreError(.unavailable, "the database is out of resources (\(state))")
            // Connection, operator intervention, system errors, authentication; a read-only or
            // standby server (a failover under way), a lock not granted, a lost commit.
            case _ where ["08", "57", "58", "28"].contains(String(state.prefix(2))),
                 "25006", "0A000", "55P03", "40003":
                storeError = StoreError(.unavailable, "the database cannot serve the change now (\(state): \(Self.describe(error)))")
            default:
                logger.error("unexpected database error", metadata: ["sqlstate": "\(state)", "message": "\(error.serverInfo?[.message] ?? "")"])
                return StoreError(.internal, "unexpected database error \(state)")
            }
        } else {
            storeError = StoreError(.unavailable, "the database cannot be reached (\(Self.describe(error)))")
        }
        health.failed(storeError)
        return storeError
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? error.code.description
        }
        return String(describing: error).prefix(200).description
    }

    // MARK: For the listener

    /// The listening connection (its application name marked ` listener`).
    func makeListeningConnection() async throws -> PostgresConnection {
        var configuration = self.configuration
        // The same settings, named as the listener (statement_timeout does not touch LISTEN).
        configuration.options.additionalStartupParameters = configuration.options.additionalStartupParameters.map { name, value in
            name == "application_name" ? (name, (uri.applicationName ?? "webprofiled") + " listener") : (name, value)
        }
        let id = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await Self.connect(on: eventLoops.any(), configuration: configuration, id: id, logger: logger)
    }
}

/// The first of several racing outcomes wins.
final class ResumeOnce: Sendable {
    private let done = Atomic<Bool>(false)

    func claim() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}

/// One PostgreSQL transaction as a ``StoreTransaction``: `?` placeholders numbered `$1…`, values
/// bound as PostgreSQL types, rows read back as ``SQLValue``s.
struct PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection
    let logger: Logger
    /// Longest wait for one statement's answer before the connection is given up (the server's
    /// own statement_timeout, 8 s, normally ends a slow statement first). A stopped or
    /// unreachable server answers nothing: this is what bounds a call then.
    static let answerTimeout: TimeInterval = 10

    /// The server did not answer within ``answerTimeout``.
    struct NoAnswer: Error, CustomStringConvertible {
        var description: String { "the database did not answer within \(Int(PostgresTransaction.answerTimeout)) s" }
    }

    /// A statement failed: PostgreSQL has aborted the transaction, and a COMMIT would only roll
    /// it back (SQLite, by contrast, undoes just the statement). Checked before committing.
    final class Aborted: Sendable {
        let flag = Atomic<Bool>(false)
    }
    let aborted = Aborted()

    /// Waits on this thread for `future`, at most ``answerTimeout``.
    static func answer<T: Sendable>(_ future: EventLoopFuture<T>, connection: PostgresConnection) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        }
        guard done.wait(timeout: .now() + answerTimeout) == .success else {
            // The answer may still come; the connection is closed so that it never serves again.
            PostgresBackend.close(connection)
            throw NoAnswer()
        }
        return try result.withLock { $0! }.get()
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let result = try query(sql, arguments)
        return try result.rows.map { row in
            var values: [String: SQLValue] = [:]
            for cell in row { values[cell.columnName] = try Self.value(cell) }
            return SQLRow(values)
        }
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try query(sql, arguments).metadata.rows ?? 0
    }

    /// A statement without arguments (transaction control, DDL).
    @discardableResult
    func run(_ sql: String) throws -> Int {
        try perform(PostgresQuery(unsafeSQL: sql)).metadata.rows ?? 0
    }

    /// Commits; a transaction a failed statement aborted is refused instead (its COMMIT would
    /// answer ROLLBACK).
    func commit() throws {
        guard !aborted.flag.load(ordering: .relaxed) else {
            throw StoreError(.internal, "a statement of the transaction failed; nothing was written")
        }
        let result = try perform(PostgresQuery(unsafeSQL: "COMMIT"))
        guard result.metadata.command == "COMMIT" else {
            throw StoreError(.internal, "the database rolled the transaction back (\(result.metadata.command))")
        }
    }

    private func perform(_ query: PostgresQuery) throws -> PostgresQueryResult {
        do {
            return try Self.answer(connection.query(query, logger: logger), connection: connection)
        } catch {
            aborted.flag.store(true, ordering: .relaxed)
            throw error
        }
    }

    private func query(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .real(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .bool(let value): bindings.append(value)
            case .date(let value): bindings.append(value)
            case .bytes(let value): bindings.append(ByteBuffer(bytes: value))
            }
        }
        do {
            return try perform(PostgresQuery(unsafeSQL: Self.numbered(sql), binds: bindings))
        } catch let error as PSQLError {
            // A unique or foreign-key constraint: the answer a check before the write would have given.
            if let state = error.serverInfo?[.sqlState], state == "23505" || state == "23503" {
                throw StoreError.forConstraint(error.serverInfo?[.constraintName] ?? "")
            }
            throw error
        }
    }

    /// `sql` with its `?` placeholders (outside quotes) numbered for PostgreSQL.
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        var inQuote = false
        for character in sql {
            if character == "'" { inQuote.toggle() }
            if character == "?" && !inQuote {
                index += 1
                out += "$\(index)"
            } else {
                out.append(character)
            }
        }
        return out
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return .integer(try cell.decode(Int64.self))
        case .float8, .float4, .numeric: return .real(try cell.decode(Double.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .timestamptz, .timestamp, .date: return .date(try cell.decode(Date.self))
        case .bytea: return .bytes(Array(buffer: try cell.decode(ByteBuffer.self)))
        default: return .text(try cell.decode(String.self))
        }
    }
}
#endif
