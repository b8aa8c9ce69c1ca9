import GRDB
import WebProfilesDomain

/// The daemon's SQLite migrations, copied word for word from
/// Sources/WebProfilesStore/Backends/SQLiteSchema.swift (internal to the store module, so not
/// reachable from this package). A database migrated by this migrator records the same
/// identifiers in `grdb_migrations` and has the same tables, columns, indexes and constraints as
/// one webprofiled made, so the daemon opens it as its own (and applies any later migration on top).
///
/// Keep it in step: when the main package registers a new migration, append the same one here.
/// ``DaemonDatabase/openExisting(path:)`` refuses a database that holds a migration this copy
/// does not know, so a stale copy fails loudly rather than misreading a newer schema.
package enum DaemonSchema {
    package static var migrator: DatabaseMigrator {
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
        migrator.registerMigration("v3: accounts and memberships, session details, recovery codes") { db in
            try db.execute(sql: """
                CREATE TABLE account (
                    id TEXT PRIMARY KEY NOT NULL,
                    username TEXT NOT NULL UNIQUE,
                    displayName TEXT NOT NULL,
                    email TEXT NOT NULL,
                    fiscalCode TEXT,
                    passwordHash TEXT,
                    failedAttempts INTEGER NOT NULL DEFAULT 0,
                    lastFailedAttemptAt DATETIME,
                    lockedUntil DATETIME,
                    totpSecret TEXT,
                    totpEnabled BOOLEAN NOT NULL DEFAULT 0,
                    totpLastStep INTEGER,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL,
                    lastLoginAt DATETIME
                );
                -- Every registration becomes an account (same id, so sessions keep working) with
                -- one membership (same id: registration ids do not change).
                INSERT INTO account (id, username, displayName, email, fiscalCode, passwordHash, failedAttempts, lastFailedAttemptAt,
                                     lockedUntil, totpEnabled, createdAt, updatedAt, lastLoginAt)
                    SELECT r.id, r.username, r.displayName, r.email,
                           (SELECT c.legalRepFiscalCode FROM company c WHERE c.legalRepRegistrationId = r.id),
                           r.passwordHash, r.failedAttempts, r.lastFailedAttemptAt, r.lockedUntil, 0, r.createdAt, r.updatedAt, r.lastLoginAt
                    FROM registration r;
                CREATE TABLE membership (
                    id TEXT PRIMARY KEY NOT NULL,
                    accountId TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    companyId TEXT NOT NULL REFERENCES company(id) ON DELETE CASCADE,
                    displayName TEXT NOT NULL,
                    email TEXT NOT NULL,
                    profile TEXT NOT NULL,
                    referent TEXT,
                    line TEXT REFERENCES line(msisdn) ON DELETE RESTRICT,
                    status TEXT NOT NULL,
                    invited BOOLEAN NOT NULL DEFAULT 0,
                    activationCodeHash TEXT UNIQUE,
                    activationExpiresAt DATETIME,
                    searchText TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                INSERT INTO membership (id, accountId, companyId, displayName, email, profile, referent, line, status, invited,
                                        activationCodeHash, activationExpiresAt, searchText, createdAt, updatedAt)
                    SELECT id, id, companyId, displayName, email, profile, referent, line, status, 0, activationCodeHash,
                           activationExpiresAt, '', createdAt, updatedAt
                    FROM registration;
                CREATE UNIQUE INDEX membership_account_company ON membership(accountId, companyId);
                CREATE INDEX membership_company ON membership(companyId);
                CREATE UNIQUE INDEX membership_live_line ON membership(line) WHERE line IS NOT NULL AND status != 'revoked';
                CREATE UNIQUE INDEX membership_live_legal_rep ON membership(companyId) WHERE profile = 'legalRepresentative' AND status != 'revoked';
                CREATE INDEX account_email ON account(email);
                CREATE INDEX membership_email ON membership(email);
                CREATE INDEX account_fiscal_code ON account(fiscalCode);

                CREATE TABLE session_v3 (
                    id TEXT PRIMARY KEY NOT NULL,
                    accountId TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    tokenHash TEXT NOT NULL UNIQUE,
                    createdAt DATETIME NOT NULL,
                    expiresAt DATETIME NOT NULL,
                    lastSeenAt DATETIME NOT NULL,
                    selectedCompanyId TEXT,
                    clientAddress TEXT,
                    userAgent TEXT,
                    requiredAction TEXT
                );
                INSERT INTO session_v3 (id, accountId, tokenHash, createdAt, expiresAt, lastSeenAt)
                    SELECT id, registrationId, tokenHash, createdAt, expiresAt, lastSeenAt FROM session;
                DROP TABLE session;
                ALTER TABLE session_v3 RENAME TO session;
                CREATE INDEX session_account ON session(accountId);

                DROP TABLE registration;

                ALTER TABLE company ADD COLUMN referentTypes TEXT;
                ALTER TABLE company ADD COLUMN searchText TEXT NOT NULL DEFAULT '';
                ALTER TABLE auditEvent ADD COLUMN agent TEXT;
                ALTER TABLE auditEvent ADD COLUMN ticket TEXT;
                ALTER TABLE auditEvent ADD COLUMN targetAccountId TEXT;
                CREATE INDEX auditEvent_at ON auditEvent(at);
                CREATE INDEX auditEvent_account ON auditEvent(targetAccountId);

                -- Codes a person uses to set a new password (Session/RequestRecovery), by hash.
                CREATE TABLE recoveryCode (
                    codeHash TEXT PRIMARY KEY NOT NULL,
                    accountId TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    createdAt DATETIME NOT NULL,
                    expiresAt DATETIME NOT NULL
                );
                CREATE INDEX recoveryCode_account ON recoveryCode(accountId);
                -- Single-use codes that stand in for a lost second factor, by hash.
                CREATE TABLE secondFactorRecoveryCode (
                    codeHash TEXT PRIMARY KEY NOT NULL,
                    accountId TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    createdAt DATETIME NOT NULL
                );
                """)
            // The search texts, folded in Swift as every later write folds them.
            for row in try Row.fetchAll(db, sql: "SELECT m.id, a.username, m.displayName, m.email FROM membership m JOIN account a ON a.id = m.accountId") {
                let key = SearchText.key(row["username"], row["displayName"], row["email"])
                try db.execute(sql: "UPDATE membership SET searchText = ? WHERE id = ?", arguments: [key, row["id"] as String])
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM company") {
                try db.execute(sql: "UPDATE company SET searchText = ? WHERE id = ?", arguments: [SearchText.key(row["name"]), row["id"] as String])
            }
        }
        return migrator
    }
}
