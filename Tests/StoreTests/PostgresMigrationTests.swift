import Foundation
import Logging
import Testing
import WebProfilesStore

/// The PostgreSQL schema's migrations: once when several daemons start together (an advisory
/// lock), and never against a schema newer than the binary knows.
@Suite("PostgreSQL migrations", .enabled(if: PostgresTestServer.socketDirectory != nil, "needs the PostgreSQL server scripts/test.sh starts"))
struct PostgresMigrationTests {
    @Test func daemonsStartingTogetherMigrateOnce() async throws {
        let uri = try PostgresTestServer.freshDatabase()
        let stores = try (0..<4).map { _ in try PostgresTestServer.open(uri) }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for store in stores {
                group.addTask { try await store.backend.read { tx in try tx.count("SELECT COUNT(*) FROM company") } }
            }
            for try await companies in group { #expect(companies == 0) }
        }
        let versions = try await stores[0].backend.read { tx in try tx.count("SELECT COUNT(*) FROM webprofiledSchema") }
        #expect(versions == 1)
    }

    @Test func aSchemaNewerThanTheBinaryIsRefused() async throws {
        let uri = try PostgresTestServer.freshDatabase()
        let first = try PostgresTestServer.open(uri)
        _ = try await first.backend.write { tx in try tx.execute("INSERT INTO webprofiledSchema (version) VALUES (99)", []) }
        let second = try PostgresTestServer.open(uri)
        await #expect {
            _ = try await second.backend.read { tx in try tx.count("SELECT COUNT(*) FROM company") }
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .unavailable && error.message.contains("version 99, newer than this daemon knows")
        }
        // Nothing was changed by the refusing daemon.
        let versions = try await first.backend.read { tx in try tx.count("SELECT COUNT(*) FROM webprofiledSchema") }
        #expect(versions == 2)
    }
}

/// The test server scripts/test.sh started, if any.
enum PostgresTestServer {
    static var socketDirectory: String? {
        guard let directory = ProcessInfo.processInfo.environment["WEBPROFILES_TEST_POSTGRES"], !directory.isEmpty else { return nil }
        return directory
    }

    /// A new database's URI.
    static func freshDatabase() throws -> String {
        let directory = try #require(socketDirectory)
        let database = "wp_migration_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try PostgresTestDatabase.create(database, socketDirectory: directory)
        return "postgresql://webprofiled@/\(database)?host=\(directory)"
    }

    static func open(_ uri: String) throws -> ProfileStore {
        var logger = Logger(label: "migrations")
        logger.logLevel = .critical
        return try ProfileStore.open(database: uri, passwordFile: nil, logger: logger)
    }
}
