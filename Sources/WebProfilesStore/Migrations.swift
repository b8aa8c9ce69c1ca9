import GRDB
import WebProfilesDomain

/// The schema, as append-only named migrations. Never edit a shipped migration: add one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: companies, lines, registrations, sessions, audit") { db in
            try db.create(table: "company") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("vatNumber", .text).notNull().unique()
                t.column("legalRepFullName", .text).notNull()
                t.column("legalRepFiscalCode", .text).notNull()
                t.column("legalRepEmail", .text).notNull()
                t.column("legalRepRegistrationId", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "line") { t in
                t.primaryKey("msisdn", .text)
                t.column("companyId", .text).notNull().indexed().references("company", onDelete: .cascade)
                t.column("kind", .text).notNull().check(sql: "kind IN ('mobile', 'fixed')")
            }
            try db.create(table: "registration") { t in
                t.primaryKey("id", .text)
                t.column("companyId", .text).notNull().references("company", onDelete: .cascade)
                t.column("username", .text).notNull().unique()
                t.column("displayName", .text).notNull()
                t.column("email", .text).notNull()
                t.column("profile", .text).notNull()
                t.column("referent", .text)
                t.column("line", .text).references("line", onDelete: .restrict)
                t.column("status", .text).notNull()
                t.column("passwordHash", .text)
                t.column("activationCodeHash", .text).unique()
                t.column("activationExpiresAt", .datetime)
                t.column("failedAttempts", .integer).notNull().defaults(to: 0)
                t.column("lockedUntil", .datetime)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("lastLoginAt", .datetime)
            }
            try db.create(index: "registration_company_username", on: "registration", columns: ["companyId", "username"])
            // A line is held by at most one live registration.
            try db.execute(sql: "CREATE UNIQUE INDEX registration_live_line ON registration(line) WHERE line IS NOT NULL AND status != 'revoked'")
            // A company has at most one live legal representative (the code keeps it exactly one).
            try db.execute(sql: "CREATE UNIQUE INDEX registration_live_legal_rep ON registration(companyId) WHERE profile = 'legalRepresentative' AND status != 'revoked'")
            try db.create(table: "session") { t in
                t.primaryKey("id", .text)
                t.column("registrationId", .text).notNull().indexed().references("registration", onDelete: .cascade)
                t.column("tokenHash", .text).notNull().unique()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
                t.column("lastSeenAt", .datetime).notNull()
            }
            try db.create(table: "auditEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("action", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("companyId", .text).indexed()
                t.column("targetRegistrationId", .text).indexed()
                t.column("before", .text)
                t.column("after", .text)
            }
        }
        migrator.registerMigration("v2: storage probe, login throttling and attempt times, usernames in NFKC") { db in
            // One row the storage probe rewrites: proof that the database takes writes.
            try db.create(table: "storageProbe") { t in
                t.primaryKey("id", .integer).check(sql: "id = 1")
                t.column("at", .datetime).notNull()
            }
            // Failed logins by source (the end user's address, or the local peer), for throttling.
            try db.create(table: "loginThrottle") { t in
                t.primaryKey("source", .text)
                t.column("failures", .integer).notNull()
                t.column("windowStartedAt", .datetime).notNull()
                t.column("nextAttemptAt", .datetime).notNull()
                t.column("lastAttemptAt", .datetime).notNull()
            }
            // When the last failure (or attempt still being checked) was counted: counts older
            // than a lockout are forgotten.
            try db.alter(table: "registration") { t in t.add(column: "lastFailedAttemptAt", .datetime) }
            // Usernames were NFC; they are NFKC now (full-width and other compatibility forms fold
            // to their plain letters). A username whose new form is taken keeps its old one.
            let rows = try Row.fetchAll(db, sql: "SELECT id, username FROM registration")
            for row in rows {
                let id: String = row["id"]
                let old: String = row["username"]
                let new = Username.canonicalize(old)
                guard new != old else { continue }
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM registration WHERE username = ?", arguments: [new]) == 0 {
                    try db.execute(sql: "UPDATE registration SET username = ? WHERE id = ?", arguments: [new, id])
                }
            }
        }
        return migrator
    }
}
