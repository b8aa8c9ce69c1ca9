import Foundation
import GRDB
import WebProfilesDomain

/// The database of webprofiled: one facade over a GRDB `DatabaseWriter`.
///
/// Every operation that changes data runs its checks and its writes, and writes its audit
/// events, in one transaction. ``onAudit`` is told about the audit events of each committed
/// transaction (the server logs them).
public final class ProfileStore: Sendable {
    public let writer: any DatabaseWriter
    let onAudit: @Sendable ([AuditEventRecord]) -> Void

    /// Opens (creating if needed) the database file at `path` and migrates it.
    public static func open(path: String, onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) throws -> ProfileStore {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // WAL with synchronous=FULL: an acknowledged write survives a crash or power loss.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: configuration)
        return try ProfileStore(writer: pool, onAudit: onAudit)
    }

    /// An in-memory database (tests).
    public static func inMemory(onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) throws -> ProfileStore {
        try ProfileStore(writer: DatabaseQueue(), onAudit: onAudit)
    }

    public init(writer: any DatabaseWriter, onAudit: @escaping @Sendable ([AuditEventRecord]) -> Void = { _ in }) throws {
        self.writer = writer
        self.onAudit = onAudit
        try Migrations.migrator.migrate(writer)
    }

    /// Runs `body` in a write transaction collecting audit events, and reports them once committed.
    func write<T: Sendable>(_ body: @Sendable @escaping (Database, inout AuditLog) throws -> T) async throws -> T {
        let (value, events) = try await writer.write { db -> (T, [AuditEventRecord]) in
            var log = AuditLog()
            let value = try body(db, &log)
            for index in log.events.indices { try log.events[index].insert(db) }
            return (value, log.events)
        }
        if !events.isEmpty { onAudit(events) }
        return value
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await writer.read(body)
    }

    /// A quick read that proves the database answers (watchdog).
    public func ping() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func counts() async throws -> StoreCounts {
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
    public static func newPublicID() -> String { UUID().uuidString.lowercased() }
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
