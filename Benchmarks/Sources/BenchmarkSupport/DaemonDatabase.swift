#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB

/// Opening a webprofiled SQLite file as the daemon's SQLite backend does
/// (Sources/WebProfilesStore/Backends/SQLiteBackend.swift and DatabaseFiles.swift): a GRDB
/// `DatabasePool` (WAL), the file private (0600, its folder 0700 when made), migrated by
/// ``DaemonSchema``.
package enum DaemonDatabase {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// Creates (or opens) the database at `path` and migrates it to the schema the daemon writes.
    package static func create(path: String, busyTimeout: TimeInterval = 5) throws -> DatabasePool {
        try prepare(path: path)
        let pool = try DatabasePool(path: path, configuration: configuration(busyTimeout: busyTimeout))
        try DaemonSchema.migrator.migrate(pool)
        try pool.read { db in try checkCurrent(db, path: path) }
        return pool
    }

    /// Opens an existing database webprofiled (or webprofiles-seed) made, without changing it;
    /// refuses a missing file and one whose schema is not exactly ``DaemonSchema``'s.
    package static func openExisting(path: String, busyTimeout: TimeInterval = 5) throws -> DatabasePool {
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(description: "\(path) does not exist: start webprofiled on it once, or seed it with webprofiles-seed")
        }
        let pool = try DatabasePool(path: path, configuration: configuration(busyTimeout: busyTimeout))
        try pool.read { db in try checkCurrent(db, path: path) }
        return pool
    }

    /// Throws unless the database has exactly the migrations of ``DaemonSchema``.
    package static func checkCurrent(_ db: Database, path: String) throws {
        let migrator = DaemonSchema.migrator
        if try migrator.hasBeenSuperseded(db) {
            let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
            throw Failure(description: "\(path) has migrations this tool does not know (\(unknown.joined(separator: "; "))): "
                          + "append them to Benchmarks/Sources/BenchmarkSupport/DaemonSchema.swift")
        }
        guard try migrator.hasCompletedMigrations(db) else {
            let applied = try migrator.appliedMigrations(db)
            throw Failure(description: "\(path) is not migrated to the current schema (applied: \(applied.joined(separator: "; "))): "
                          + "open it with webprofiled once")
        }
    }

    private static func configuration(busyTimeout: TimeInterval) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        return configuration
    }

    /// Creates the folder (0700) and the database file (0600) before SQLite opens it, so the WAL
    /// and shared-memory files SQLite makes with the database file's mode are private too.
    private static func prepare(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open the database file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & 0o077 != 0 { _ = fchmod(fd, 0o600) }
    }
}
