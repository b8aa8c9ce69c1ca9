import Foundation
import Testing
import WebProfilesDomain
import WebProfilesStore

/// Where the engines differ underneath the one set of rules, pinned so that a change on either
/// side is seen: the precision timestamps keep, how names and text compare, how booleans and
/// column names come back, and what the store does with case so that both behave the same. (Constraint violations map to
/// the same store errors on both: the suites above check each refusal's code.)
@Suite("Store conformance: what differs between engines")
struct BackendDifferencesTests {
    /// SQLite (through GRDB) stores a date as text to the millisecond; PostgreSQL's timestamptz
    /// keeps microseconds. Every rule compares dates that are at least a millisecond apart, so
    /// both decide alike; what comes back differs below the millisecond.
    @Test(arguments: StoreBackendKind.all)
    func timestampsKeepTheirEnginesPrecision(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        let written = Date(timeIntervalSince1970: 1_800_000_000.123456789)
        let read = try await f.store.backend.write { tx -> Date? in
            _ = try tx.execute("INSERT INTO storageProbe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at", [.date(written)])
            return try tx.scalar("SELECT at FROM storageProbe WHERE id = 1", as: Date.self)
        }
        let back = try #require(read)
        let microseconds = (back.timeIntervalSince1970 * 1_000_000).rounded()
        if kind.isPostgreSQL {
            #expect(microseconds == 1_800_000_000_123_456) // truncated, not rounded
        } else {
            #expect(microseconds == 1_800_000_000_123_000)
        }
        // Ordered alike a millisecond apart.
        let later = written.addingTimeInterval(0.001)
        let ordered = try await f.store.backend.write { tx -> Bool in
            _ = try tx.execute("UPDATE storageProbe SET at = ? WHERE id = 1", [.date(later)])
            return try tx.exists("SELECT 1 FROM storageProbe WHERE id = 1 AND at > ?", [.date(written)])
        }
        #expect(ordered)
    }

    /// `=` on text is exact on both engines (SQLite's BINARY collation, PostgreSQL's
    /// deterministic one), so the store folds what it compares before it writes: a username or
    /// an email that differs only in case finds the same person on every backend.
    @Test(arguments: StoreBackendKind.all)
    func textComparesExactlySoTheStoreFoldsFirst(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        _ = try await f.company(rep: "mario")
        let exact = try await f.store.backend.read { tx in
            (try tx.count("SELECT COUNT(*) FROM account WHERE username = ?", [.text("mario")]),
             try tx.count("SELECT COUNT(*) FROM account WHERE username = ?", [.text("MARIO")]))
        }
        #expect(exact.0 == 1)
        #expect(exact.1 == 0)
        // Through the store, the case of what a caller typed does not matter.
        #expect(try Username("MARIO").value == "mario")
        let found = try await f.store.findRegistrations(.username(try Username("Mario")), limit: 10)
        #expect(found.count == 1)
    }

    /// PostgreSQL folds unquoted column names to lower case and answers booleans as booleans;
    /// SQLite keeps the case written and answers integers. Rows read the same either way.
    @Test(arguments: StoreBackendKind.all)
    func columnNamesAndBooleansReadAlike(_ kind: StoreBackendKind) async throws {
        let f = try await StoreFixture(kind)
        _ = try await f.company(rep: "mario")
        let row = try await f.store.backend.read { tx in
            try #require(try tx.row("SELECT failedAttempts, totpEnabled FROM account WHERE username = ?", [.text("mario")]))
        }
        #expect(try row.get("failedAttempts", as: Int.self) == 0)
        #expect(try row.get("FAILEDATTEMPTS", as: Int.self) == 0)
        #expect(try row.get("totpEnabled", as: Bool.self) == false)
        if kind.isPostgreSQL {
            #expect(row.values.keys.sorted() == ["failedattempts", "totpenabled"])
            guard case .bool = row[raw: "totpEnabled"] else {
                Issue.record("PostgreSQL answered \(String(describing: row[raw: "totpEnabled"])) for a boolean")
                return
            }
        } else {
            guard case .integer = row[raw: "totpEnabled"] else {
                Issue.record("SQLite answered \(String(describing: row[raw: "totpEnabled"])) for a boolean")
                return
            }
        }
    }
}

extension StoreBackendKind {
    var isPostgreSQL: Bool { name == "PostgreSQL" }
}

/// The migration splitter PostgreSQL's schema goes through (the extended protocol takes one
/// statement at a time).
@Suite("PostgreSQL migration statements")
struct PostgresStatementSplitterTests {
    @Test func splitsAtSemicolonsOutsideQuotesBodiesAndComments() {
        let sql = """
            -- the log's purge; an apostrophe and a semicolon in a comment
            CREATE TABLE a (x TEXT DEFAULT ';');
            CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN PERFORM 1; RETURN NEW; END $$ LANGUAGE plpgsql;
            SELECT 'it''s'
            """
        #expect(PostgresSchema.statements(sql) == [
            "CREATE TABLE a (x TEXT DEFAULT ';')",
            "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN PERFORM 1; RETURN NEW; END $$ LANGUAGE plpgsql",
            "SELECT 'it''s'",
        ])
    }
}
