import Foundation
import GRDB
import Synchronization
import WebProfilesDomain

/// The database of webprofiled: one facade over a GRDB `DatabaseWriter`.
///
/// Every operation that changes data runs its checks and its writes, and writes its audit
/// events, in one transaction. ``onAudit`` is told about the audit events of each committed
/// transaction (the server logs them).
///
/// Storage faults (a full disk, a read-only or corrupt file, a database locked by another
/// process) come out as ``StoreError/Code/unavailable`` or ``StoreError/Code/dataLoss`` and are
/// reported to ``health``; a database that cannot be opened at all leaves the store unavailable
/// (every call answers so) until ``probe(now:)`` manages to open it.
package final class ProfileStore: Sendable {
    private enum DatabaseState: Sendable {
        case open(any DatabaseWriter)
        case unavailable(StoreError)
    }

    private let database: Mutex<DatabaseState>
    /// Opens the database again after it could not be opened (nil for in-memory stores).
    private let reopen: (@Sendable () throws -> any DatabaseWriter)?
    let onAudit: @Sendable ([AuditEventRecord]) -> Void
    /// What the last storage operations found.
    package let health: StorageHealth

    /// The `PRAGMA synchronous` value of the writer: 2 (FULL), so that a commit is on disk before
    /// it returns, in WAL mode too.
    package static let requiredSynchronousMode = 2

    /// Opens (creating if needed) the database file at `path`, private to the daemon (mode 0600
    /// whatever the umask), with `synchronous = FULL` on the writer, and migrates it. A database
    /// that cannot be opened gives a store that answers every call UNAVAILABLE (or DATA_LOSS for
    /// a corrupt file) and tries again at every ``probe(now:)``.
    ///
    /// - Parameter busyTimeout: how long a write waits for a lock another process holds before it
    ///   fails UNAVAILABLE.
    package static func open(path: String, busyTimeout: TimeInterval = 5, health: StorageHealth = StorageHealth(),
                            onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) -> ProfileStore {
        let opener: @Sendable () throws -> any DatabaseWriter = { try openFile(path: path, busyTimeout: busyTimeout) }
        do {
            return ProfileStore(writer: try opener(), reopen: opener, health: health, onAudit: onAudit)
        } catch {
            let failure = StorageHealth.storeError(for: error) ?? StoreError(.unavailable, "the database cannot be opened: \(error)")
            health.failed(failure)
            return ProfileStore(state: .unavailable(failure), reopen: opener, health: health, onAudit: onAudit)
        }
    }

    /// Opens and migrates the database file (see ``open(path:busyTimeout:health:onAudit:)``).
    static func openFile(path: String, busyTimeout: TimeInterval) throws -> any DatabaseWriter {
        try DatabaseFiles.prepare(path: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets `synchronous = NORMAL` on the writer when it turns WAL on, after any
        // `prepareDatabase` hook: set FULL afterwards, on the writer itself, and check it.
        try pool.barrierWriteWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            let mode = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            guard mode == requiredSynchronousMode else {
                throw StoreError(.unavailable, "the database writer runs synchronous=\(mode.map(String.init) ?? "?"), not FULL")
            }
        }
        try Migrations.migrator.migrate(pool)
        try DatabaseFiles.restrict(path: path)
        return pool
    }

    /// An in-memory database (tests).
    package static func inMemory(onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) throws -> ProfileStore {
        try ProfileStore(writer: DatabaseQueue(), onAudit: onAudit)
    }

    package convenience init(writer: any DatabaseWriter, onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) throws {
        try Migrations.migrator.migrate(writer)
        self.init(writer: writer, reopen: nil, health: StorageHealth(), onAudit: onAudit)
    }

    private convenience init(writer: any DatabaseWriter, reopen: (@Sendable () throws -> any DatabaseWriter)?, health: StorageHealth,
                             onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void) {
        self.init(state: .open(writer), reopen: reopen, health: health, onAudit: onAudit)
    }

    private init(state: DatabaseState, reopen: (@Sendable () throws -> any DatabaseWriter)?, health: StorageHealth,
                 onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void) {
        self.database = Mutex(state)
        self.reopen = reopen
        self.health = health
        self.onAudit = onAudit
    }

    /// The open database, or the error every call gets while there is none.
    private func currentWriter() throws -> any DatabaseWriter {
        switch database.withLock({ $0 }) {
        case .open(let writer): return writer
        case .unavailable(let error): throw error
        }
    }

    /// Runs `body` in a write transaction collecting audit events, and reports them once committed.
    func write<T: Sendable>(_ body: @Sendable @escaping (Database, inout AuditLog) throws -> T) async throws -> T {
        let writer = try currentWriter()
        let (value, events): (T, [AuditEventRecord])
        do {
            (value, events) = try await writer.write { db -> (T, [AuditEventRecord]) in
                var log = AuditLog()
                let value = try body(db, &log)
                for index in log.events.indices { try log.events[index].insert(db) }
                return (value, log.events)
            }
        } catch {
            throw health.examine(error)
        }
        health.succeeded(write: true)
        if !events.isEmpty { onAudit(events) }
        return value
    }

    /// Runs `body` in a write transaction without audit events (bookkeeping the daemon does for
    /// itself: last uses of sessions, purges).
    func bookkeeping<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await write { db, _ in try body(db) }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        let writer = try currentWriter()
        do {
            let value = try await writer.read(body)
            health.succeeded(write: false)
            return value
        } catch {
            throw health.examine(error)
        }
    }

    /// Proves the database takes writes (a one-row upsert, synced like every commit), opening it
    /// first if it could not be opened before. The storage probe runs it periodically, so that a
    /// full or read-only disk shows in ``health`` before a caller's write meets it, and its end
    /// shows without a restart.
    @discardableResult
    package func probe(now: Date) async -> StorageHealth.State {
        if case .unavailable = database.withLock({ $0 }), let reopen {
            do {
                let writer = try reopen()
                database.withLock { $0 = .open(writer) }
                health.reopened()
            } catch {
                health.failed(StorageHealth.storeError(for: error) ?? StoreError(.unavailable, "the database cannot be opened: \(error)"))
                return health.state
            }
        }
        _ = try? await bookkeeping { db in
            try db.execute(sql: "INSERT INTO storageProbe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at", arguments: [now])
        }
        return health.state
    }

    /// The writer's `PRAGMA synchronous` (``requiredSynchronousMode`` once open).
    package func writerSynchronousMode() async throws -> Int? {
        let writer = try currentWriter()
        return try await writer.barrierWriteWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }

    /// Reads the database directly (tests and tools).
    package func unsafeRead<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await read(body)
    }

    /// Writes the database directly, outside the store's rules (tests and tools).
    package func unsafeWrite<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await bookkeeping(body)
    }

    package func counts() async throws -> StoreCounts {
        try await read { db in
            StoreCounts(
                companies: try CompanyRecord.fetchCount(db),
                registrations: try RegistrationRecord.fetchCount(db),
                activeRegistrations: try RegistrationRecord.filter(RegistrationRecord.Columns.status == RegistrationStatus.active.rawValue).fetchCount(db),
                sessions: try SessionRecord.fetchCount(db)
            )
        }
    }

    static func newID() -> String { newPublicID() }

    /// A new random identifier (UUID, lowercase).
    package static func newPublicID() -> String { UUID().uuidString.lowercased() }
}

/// Audit events gathered during one transaction.
struct AuditLog {
    var events: [AuditEventRecord] = []

    mutating func record(_ action: AuditAction, actor: AuditActor, at: Date, company: String?, target: String?,
                         before: [String: String]? = nil, after: [String: String]? = nil) {
        events.append(AuditEventRecord(
            id: nil, at: at, action: action, actor: actor.value, companyId: company, targetRegistrationId: target,
            before: before.map(Self.json), after: after.map(Self.json)
        ))
    }

    static func json(_ fields: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(fields)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
