import Foundation
import Logging
import WebProfilesDomain

/// The data of webprofiled and every rule that needs it, written once over a ``StorageBackend``
/// (SQLite embedded, PostgreSQL shared).
///
/// Every operation that changes data runs its checks and its writes, and writes its audit
/// events, in one transaction. Once it commits, ``onAudit`` hears of its audit events (the daemon
/// logs them) and ``changes`` of what it changed (the authorization cache forgets it): caches
/// follow what the store committed, not calls placed by hand.
package final class ProfileStore: Sendable {
    package let backend: any StorageBackend
    let onAudit: @Sendable ([AuditEventRecord]) -> Void
    /// What committed writes changed.
    package let changes: ChangeFeed

    /// What the last storage operations found.
    package var health: StorageHealth { backend.health }

    package init(backend: any StorageBackend, onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) {
        self.backend = backend
        self.onAudit = onAudit
        self.changes = ChangeFeed()
    }

    /// The store on `database`: a SQLite file path, or a `postgresql://` URI (see
    /// ``PostgresURI``) whose password comes from `$CREDENTIALS_DIRECTORY/database-password` (a
    /// systemd credential) or `passwordFile`.
    ///
    /// - Throws: ``StoreError`` INVALID_ARGUMENT for a bad URI, an unreadable password file, or a
    ///   URI given to a build without the PostgreSQL trait. A database that cannot be reached is
    ///   no error: the store starts unavailable and recovers when it can (see ``probe(now:)``).
    package static func open(database: String, passwordFile: String?, busyTimeout: TimeInterval = 5, health: StorageHealth = StorageHealth(),
                             logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment,
                             onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) throws -> ProfileStore {
        guard PostgresURI.isURI(database) else {
            return open(path: database, busyTimeout: busyTimeout, health: health, onAudit: onAudit)
        }
        let uri: PostgresURI
        do { uri = try PostgresURI(database) } catch { throw StoreError(.invalidArgument, "server.database: \(error.description)") }
        var password: String?
        if let directory = environment["CREDENTIALS_DIRECTORY"], let data = FileManager.default.contents(atPath: directory + "/database-password") {
            password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        } else if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                throw StoreError(.invalidArgument, "server.database_password_file: \(passwordFile) cannot be read")
            }
            password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        #if PostgreSQL
        do {
            return ProfileStore(backend: try PostgresBackend(uri: uri, password: password, health: health, logger: logger), onAudit: onAudit)
        } catch {
            throw StoreError(.invalidArgument, "server.database: \(error)")
        }
        #else
        _ = password
        throw StoreError(.invalidArgument, "server.database: this webprofiled was built without PostgreSQL (the PostgreSQL package trait)")
        #endif
    }

    /// The SQLite database at `path` (see ``SQLiteBackend``).
    package static func open(path: String, busyTimeout: TimeInterval = 5, health: StorageHealth = StorageHealth(),
                             onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) -> ProfileStore {
        ProfileStore(backend: SQLiteBackend(path: path, busyTimeout: busyTimeout, health: health), onAudit: onAudit)
    }

    /// An in-memory SQLite database (tests).
    package static func inMemory(onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) throws -> ProfileStore {
        ProfileStore(backend: try SQLiteBackend(inMemory: ()), onAudit: onAudit)
    }

    /// Runs `body` in a write transaction collecting audit events and changes, and reports them
    /// once committed. `body` may run more than once (see ``StorageBackend/write(_:)``).
    func write<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction, inout TransactionLog) throws -> T) async throws -> T {
        let (value, log) = try await backend.write { tx -> (T, TransactionLog) in
            var log = TransactionLog()
            let value = try body(tx, &log)
            for index in log.events.indices { log.events[index].id = try log.events[index].insert(tx) }
            return (value, log)
        }
        if !log.changes.isEmpty { changes.publish(log.changes) }
        if !log.events.isEmpty { onAudit(log.events) }
        return value
    }

    /// A write without audit events: bookkeeping the daemon does for itself (last uses of
    /// sessions, purges).
    @discardableResult
    func bookkeeping<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) throws -> T) async throws -> T {
        try await write { tx, _ in try body(tx) }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) throws -> T) async throws -> T {
        try await backend.read(body)
    }

    /// Proves the database takes writes (see ``StorageBackend/probe(now:)``); returns the health.
    @discardableResult
    package func probe(now: Date) async -> StorageHealth.State {
        await backend.probe(now: now)
        return health.state
    }

    /// Reads the database directly (tests and tools).
    package func unsafeRead<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) throws -> T) async throws -> T {
        try await read(body)
    }

    /// Writes the database directly, outside the store's rules (tests and tools).
    @discardableResult
    package func unsafeWrite<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) throws -> T) async throws -> T {
        try await bookkeeping(body)
    }

    /// The backend's background work (hearing other daemons' changes), until cancelled.
    package func runBackgroundWork() async throws {
        try await backend.run(changes: changes)
    }

    package func counts() async throws -> StoreCounts {
        try await read { tx in
            StoreCounts(
                companies: try tx.count("SELECT COUNT(*) FROM company"),
                registrations: try tx.count("SELECT COUNT(*) FROM membership"),
                activeRegistrations: try tx.count("SELECT COUNT(*) FROM membership WHERE status = 'active'"),
                sessions: try tx.count("SELECT COUNT(*) FROM session")
            )
        }
    }

    static func newID() -> String { newPublicID() }

    /// A new random identifier (UUID, lowercase).
    package static func newPublicID() -> String { UUID().uuidString.lowercased() }
}

/// What one write transaction did: its audit events and its changes, reported once it commits.
struct TransactionLog {
    var events: [AuditEventRecord] = []
    var changes: [StoreChange] = []

    mutating func record(_ action: AuditAction, actor: AuditActor, at: Date, company: String?, target: String?, account: String? = nil,
                         before: [String: String]? = nil, after: [String: String]? = nil) {
        var after = after
        if let profile = actor.profile { after = (after ?? [:]).merging(["actorProfile": profile]) { _, new in new } }
        events.append(AuditEventRecord(
            at: at, action: action, actor: actor.value, agent: actor.agent, ticket: actor.ticket, companyId: company,
            targetRegistrationId: target, targetAccountId: account, before: before.map(Self.json), after: after.map(Self.json)
        ))
    }

    mutating func changed(_ change: StoreChange) {
        changes.append(change)
    }

    static func json(_ fields: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(fields)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
