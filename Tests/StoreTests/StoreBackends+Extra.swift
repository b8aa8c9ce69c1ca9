import Foundation
import Synchronization
import Logging
import WebProfilesStore

extension StoreBackendKind {
    /// Backends beyond SQLite, when their servers run: PostgreSQL when
    /// `WEBPROFILES_TEST_POSTGRES` names the socket folder of a server the test script started
    /// (scripts/postgres.sh), with a fresh database for every test.
    static var extraBackends: [StoreBackendKind] {
        guard let socketDirectory = PostgresTestServer.socketDirectory else { return [] }
        return [StoreBackendKind(name: "PostgreSQL") {
            let database = "wp_conformance_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            try PostgresTestDatabase.create(database, socketDirectory: socketDirectory)
            var logger = Logger(label: "conformance")
            logger.logLevel = .warning
            return try ProfileStore.open(database: "postgresql://webprofiled@/\(database)?host=\(socketDirectory)", passwordFile: nil, logger: logger)
        }]
    }
}

/// Databases on the test server, made with its own client, one at a time (PostgreSQL refuses
/// to copy its template while another copy is being made).
enum PostgresTestDatabase {
    static let lock = Mutex(())

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    static func create(_ name: String, socketDirectory: String) throws {
        try lock.withLock { _ in
            for attempt in 1...20 {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
                process.arguments = ["-h", socketDirectory, "-U", "webprofiled", "-d", "postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"]
                let errors = Pipe()
                process.standardError = errors
                try process.run()
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                if process.terminationStatus == 0 { return }
                guard attempt < 20, message.contains("being accessed by other users") else {
                    throw Failed(description: "CREATE DATABASE \(name): \(message)")
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }
}
