import Foundation
import GRDB
import Synchronization

/// The embedded backend: one SQLite file in WAL mode through a GRDB `DatabasePool` (one writer,
/// concurrent readers), `synchronous = FULL` on the writer so that a commit is on the disk before
/// it returns, and files private to the daemon.
///
/// A database that cannot be opened leaves the backend unavailable (every call answers so, with
/// DATA_LOSS for a corrupt file) until ``probe(now:)`` manages to open it.
package final class SQLiteBackend: StorageBackend {
    private enum State: Sendable {
        case open(any DatabaseWriter)
        case unavailable(StoreError)
    }

    private let state: Mutex<State>
    /// Opens the database again after it could not be opened (nil for in-memory databases).
    private let reopen: (@Sendable () throws -> any DatabaseWriter)?
    package let health: StorageHealth

    /// The `PRAGMA synchronous` value of the writer: 2 (FULL), so that a commit is on disk before
    /// it returns, in WAL mode too.
    package static let requiredSynchronousMode = 2

    /// Opens (creating if needed) the database file at `path`, private to the daemon (mode 0600
    /// whatever the umask), with `synchronous = FULL` on the writer, and migrates it.
    ///
    /// - Parameter busyTimeout: how long a write waits for a lock another process holds before it
    ///   fails UNAVAILABLE.
    package init(path: String, busyTimeout: TimeInterval = 5, health: StorageHealth = StorageHealth()) {
        let opener: @Sendable () throws -> any DatabaseWriter = { try Self.openFile(path: path, busyTimeout: busyTimeout) }
        self.reopen = opener
        self.health = health
        do {
            state = Mutex(.open(try opener()))
        } catch {
            let failure = Self.storeError(for: error) ?? StoreError(.unavailable, "the database cannot be opened: \(error)")
            health.failed(failure)
            state = Mutex(.unavailable(failure))
        }
    }

    /// An in-memory database (tests).
    package init(inMemory: Void = ()) throws {
        let queue = try DatabaseQueue()
        try SQLiteSchema.migrator.migrate(queue)
        state = Mutex(.open(queue))
        reopen = nil
        health = StorageHealth()
    }

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
        try SQLiteSchema.migrator.migrate(pool)
        try DatabaseFiles.restrict(path: path)
        return pool
    }

    /// The open database, or the error every call gets while there is none.
    private func writer() throws -> any DatabaseWriter {
        switch state.withLock({ $0 }) {
        case .open(let writer): return writer
        case .unavailable(let error): throw error
        }
    }

    package func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let writer = try writer()
        do {
            let value = try await writer.read { db in try body(SQLiteTransaction(db: db)) }
            health.succeeded(write: false)
            return value
        } catch {
            throw examine(error)
        }
    }

    package func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let writer = try writer()
        do {
            let value = try await writer.write { db in try body(SQLiteTransaction(db: db)) }
            health.succeeded(write: true)
            return value
        } catch {
            throw examine(error)
        }
    }

    package func probe(now: Date) async {
        if case .unavailable = state.withLock({ $0 }), let reopen {
            do {
                let writer = try reopen()
                state.withLock { $0 = .open(writer) }
                health.reopened()
            } catch {
                health.failed(Self.storeError(for: error) ?? StoreError(.unavailable, "the database cannot be opened: \(error)"))
                return
            }
        }
        _ = try? await write { tx in
            try tx.execute("INSERT INTO storageProbe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at", [.date(now)])
        }
    }

    /// The writer's `PRAGMA synchronous` (``requiredSynchronousMode`` once open).
    package func writerSynchronousMode() async throws -> Int? {
        try await writer().barrierWriteWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }

    /// The error a caller gets for `error`: storage faults become UNAVAILABLE or DATA_LOSS store
    /// errors (and are recorded); anything else goes on as it is.
    private func examine(_ error: any Error) -> any Error {
        guard let storeError = Self.storeError(for: error) else { return error }
        health.failed(storeError)
        return storeError
    }

    /// The storage fault `error` is, if it is one.
    static func storeError(for error: any Error) -> StoreError? {
        if let error = error as? StoreError, error.code == .unavailable || error.code == .dataLoss { return error }
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL:
            return StoreError(.unavailable, "the database's disk is full")
        case .SQLITE_READONLY:
            return StoreError(.unavailable, "the database is read-only")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.unavailable, "the database is locked by another process")
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_NOLFS, .SQLITE_PROTOCOL:
            return StoreError(.unavailable, "the database cannot be read or written (I/O error \(error.extendedResultCode.rawValue))")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreError(.dataLoss, "the database file is corrupt")
        default:
            return nil
        }
    }
}

/// One GRDB transaction as a ``StoreTransaction``.
struct SQLiteTransaction: StoreTransaction {
    let db: Database

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        do {
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map(Self.databaseValue))).map { row in
                SQLRow(Dictionary(row.columnNames.enumerated().map { index, name in (name, Self.sqlValue(row[index] as DatabaseValue)) },
                                  uniquingKeysWith: { first, _ in first }))
            }
        } catch let error as DatabaseError {
            throw Self.constraintError(error) ?? error
        }
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        do {
            try db.execute(sql: sql, arguments: StatementArguments(arguments.map(Self.databaseValue)))
            return db.changesCount
        } catch let error as DatabaseError {
            throw Self.constraintError(error) ?? error
        }
    }

    /// A unique or foreign-key constraint the schema enforces, as a store error naming it.
    static func constraintError(_ error: DatabaseError) -> StoreError? {
        guard error.resultCode == .SQLITE_CONSTRAINT else { return nil }
        return StoreError.forConstraint(error.message ?? "")
    }

    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .bool(let value): value.databaseValue
        case .date(let value): value.databaseValue
        case .bytes(let value): Data(value).databaseValue
        }
    }

    static func sqlValue(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let value): .integer(value)
        case .double(let value): .real(value)
        case .string(let value): .text(value)
        case .blob(let value): .bytes(Array(value))
        }
    }
}

extension Date {
    /// A date as SQLite holds it: GRDB's text form, `yyyy-MM-dd HH:mm:ss.SSS` in UTC.
    init?(sqliteText text: String) {
        guard let date = Date.fromDatabaseValue(text.databaseValue) else { return nil }
        self = date
    }
}
