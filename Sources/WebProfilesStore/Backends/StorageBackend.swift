import Foundation

/// A database the store runs on: transactions of ``StoreTransaction`` statements, and the
/// storage's health. SQLite (``SQLiteBackend``) is the embedded default; PostgreSQL is the shared
/// engine of several daemons.
package protocol StorageBackend: Sendable {
    /// What the last storage operations found.
    var health: StorageHealth { get }

    /// Runs `body` in a read transaction: a consistent snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T

    /// Runs `body` in a write transaction that sees and is seen as if it ran alone (SQLite's one
    /// writer; PostgreSQL's SERIALIZABLE). `body` may run more than once (after a conflict, the
    /// transaction is retried), so it must do nothing but its statements and compute its values
    /// afresh each time. Storage faults come out as ``StoreError`` UNAVAILABLE or DATA_LOSS.
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T

    /// Proves the database takes writes (a one-row upsert), opening it first if it could not be
    /// opened before; the result is in ``health``.
    func probe(now: Date) async

    /// Whether what is cached of the database may answer now: always for a database this
    /// daemon alone writes (it hears its own commits); for a shared one, only while the changes
    /// other daemons committed are known to have been heard (``ChangeLease``).
    var cacheIsTrustworthy: Bool { get }

    /// Whether other daemons write the same database.
    var isShared: Bool { get }

    /// For a shared database: how old a read's snapshot may be when its answer is used for an
    /// authorization (the lease's duration), so that a slow or paused database cannot make a
    /// daemon honour what another revoked longer ago than memory could. nil: no bound (this
    /// daemon hears its own commits).
    var freshnessBound: Duration? { get }

    /// The backend's background work until cancelled: for a shared database, hearing the
    /// changes other daemons commit and publishing them to `changes`.
    func run(changes: ChangeFeed) async throws

    /// Periodic upkeep of the backend's own tables (the janitor calls it).
    func maintain(now: Date) async throws
}

extension StorageBackend {
    package var cacheIsTrustworthy: Bool { true }

    package var isShared: Bool { false }

    package var freshnessBound: Duration? { nil }

    package func maintain(now: Date) async throws {}

    /// Nothing to do in the background: waits until cancelled.
    package func run(changes: ChangeFeed) async throws {
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }
}
