import Foundation
import GRDB
import Testing
import WebProfilesDomain
import WebProfilesStore

/// What the database file promises: synced commits, private files, and clear errors (never a
/// crash, never a lost acknowledged write) when the disk or the file fails.
@Suite("SQLite durability")
struct SQLiteDurabilityTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func temporaryPath() -> String {
        let directory = NSTemporaryDirectory() + "webprofiles-durability-\(UUID().uuidString.prefix(8))"
        return directory + "/webprofiled.sqlite"
    }

    func createCompany(_ store: ProfileStore, vat: String = "01234567897") async throws {
        _ = try await store.createCompany(
            name: "Rossi", vatNumber: try VATNumber(vat),
            legalRepresentative: LegalRepresentativeInput(fullName: "Mario Rossi", fiscalCode: try FiscalCode("RSSMRA80A01H501U"),
                                                          email: "m@r.it", username: try Username("mario\(vat.suffix(3))")),
            activation: ActivationSecret(codeHash: UUID().uuidString, expiresAt: now.addingTimeInterval(60)), actor: .system, now: now)
    }

    @Test func theWriterRunsSynchronousFull() async throws {
        let backend = SQLiteBackend(path: temporaryPath())
        #expect(try await backend.writerSynchronousMode() == SQLiteBackend.requiredSynchronousMode)
        let store = ProfileStore(backend: backend)
        #expect(store.health.state == .ok)
    }

    @Test func databaseFilesArePrivate() async throws {
        let path = temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // A database copied in world-readable is tightened when opened.
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        let store = ProfileStore.open(path: path)
        try await createCompany(store)
        for file in [path, path + "-wal", path + "-shm"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
        }
    }

    @Test func aCorruptFileGivesDataLossNotACrash() async throws {
        let path = temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path))
        let store = ProfileStore.open(path: path)
        guard case .dataLoss = store.health.state else {
            Issue.record("expected data loss, got \(store.health.state)")
            return
        }
        await #expect(throws: StoreError(.dataLoss, "the database file is corrupt")) { _ = try await store.counts() }
        #expect(await store.probe(now: now) != .ok)
    }

    @Test func aDatabaseThatCannotBeOpenedIsOpenedOnceItCan() async throws {
        let path = temporaryPath()
        let directory = (path as NSString).deletingLastPathComponent
        // The folder's place is taken by a file: nothing can be created there.
        #expect(FileManager.default.createFile(atPath: directory, contents: Data("x".utf8)))
        let store = ProfileStore.open(path: path)
        guard case .unavailable = store.health.state else {
            Issue.record("expected unavailable, got \(store.health.state)")
            return
        }
        do {
            try await createCompany(store)
            Issue.record("a write succeeded without a database")
        } catch let error as StoreError {
            #expect(error.code == .unavailable)
        }
        try FileManager.default.removeItem(atPath: directory)
        #expect(await store.probe(now: now) == .ok)
        try await createCompany(store)
        #expect(try await store.counts().companies == 1)
    }

    @Test func aLockHeldByAnotherProcessIsUnavailableThenRecovers() async throws {
        let path = temporaryPath()
        let store = ProfileStore.open(path: path, busyTimeout: 0.1)
        try await createCompany(store)
        // Another process's connection, holding its transaction across accesses.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: path, configuration: configuration)
        try await other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
        do {
            try await createCompany(store, vat: "12345678903")
            Issue.record("a write succeeded under another process's exclusive lock")
        } catch let error as StoreError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("locked"))
        }
        #expect(store.health.state != .ok)
        try await other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        #expect(await store.probe(now: now) == .ok)
        try await createCompany(store, vat: "12345678903")
        #expect(try await store.counts().companies == 2)
    }
}
