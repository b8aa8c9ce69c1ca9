import Foundation
import Logging
import Testing
import WebProfilesServer
import WebProfilesStore

/// `server.database` as a PostgreSQL URI: what the configuration accepts and refuses, where the
/// password comes from, and the second-factor key daemons on one database must share.
@Suite("Shared database configuration")
struct SharedDatabaseConfigurationTests {
    @Test func aURIIsValidatedWhenTheConfigurationIsRead() throws {
        var config = DaemonConfiguration()
        try ConfigurationKeys.apply("server.database", text: "postgresql://webprofiled@db.example/profiles?sslmode=require", to: &config)
        #expect(config.usesSharedDatabase)
        #expect(throws: (any Error).self) {
            try ConfigurationKeys.apply("server.database", text: "postgresql://webprofiled:secret@db.example/profiles", to: &config)
        }
        #expect(throws: (any Error).self) {
            try ConfigurationKeys.apply("server.database", text: "postgresql://webprofiled@db.example/profiles?sslmode=maybe", to: &config)
        }
    }

    @Test func theStateDirectoryKeepsASharedDatabase() throws {
        var config = DaemonConfiguration()
        try ConfigurationKeys.apply("server.database", text: "postgresql://webprofiled@/profiles?host=/run/postgresql", to: &config)
        config.useStateDirectory("/tmp/wp-state")
        #expect(config.databasePath == "postgresql://webprofiled@/profiles?host=/run/postgresql")
        #expect(config.socketPath == "/tmp/wp-state/webprofiled.sock")
        var embedded = DaemonConfiguration()
        embedded.useStateDirectory("/tmp/wp-state")
        #expect(embedded.databasePath == "/tmp/wp-state/webprofiled.sqlite")
    }

    @Test func thePasswordComesFromTheCredentialOrTheFileNeverTheURI() throws {
        let logger = Logger(label: "test")
        let missing = NSTemporaryDirectory() + "wp-no-such-password-\(UUID().uuidString)"
        #expect {
            _ = try ProfileStore.open(database: "postgresql://wp@/db?host=/nonexistent", passwordFile: missing, logger: logger, environment: [:])
        } throws: { error in
            (error as? StoreError)?.code == .invalidArgument && "\(error)".contains("cannot be read")
        }
        // A credential wins over the file (which is then not even read).
        let credentials = NSTemporaryDirectory() + "wp-credentials-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try "s3cret\n".write(toFile: credentials + "/database-password", atomically: true, encoding: .utf8)
        _ = try ProfileStore.open(database: "postgresql://wp@/db?host=/nonexistent", passwordFile: missing, logger: logger,
                                  environment: ["CREDENTIALS_DIRECTORY": credentials])
    }

    @Test func daemonsOnASharedDatabaseGetNoSecondFactorKeyOfTheirOwn() throws {
        var config = DaemonConfiguration()
        try ConfigurationKeys.apply("server.database", text: "postgresql://webprofiled@/profiles?host=/run/postgresql", to: &config)
        #expect(config.usesSharedDatabase)
        #expect(throws: (any Error).self) { try SecretBox.load(path: nil, create: false, environment: [:]) }
        let path = NSTemporaryDirectory() + "wp-key-\(UUID().uuidString)"
        #expect(throws: (any Error).self) { try SecretBox.load(path: path, create: false, environment: [:]) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
