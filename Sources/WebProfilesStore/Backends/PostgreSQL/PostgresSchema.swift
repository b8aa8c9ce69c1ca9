import Foundation

/// The PostgreSQL schema, as numbered migrations. PostgreSQL never held the SQLite schema's older
/// versions: its first version is today's whole schema. Never edit a shipped version: add one.
///
/// Beside the tables the rules use, the schema keeps a change log: triggers on every table whose
/// rows authorization caches (accounts, memberships, companies, lines, sessions) write one row per
/// change into `changeLog` and send it as a notification on the channel ``channel``, in the
/// changing transaction, so that every daemon on the database hears each committed change, in
/// commit order, and a daemon that lost its listening connection can catch up from the log.
package enum PostgresSchema {
    /// The notification channel of committed changes (and of each daemon's heartbeats).
    static let channel = "webprofiled_changes"

    /// The advisory lock migrations hold, so that daemons starting together migrate once.
    static let migrationLock: Int64 = 0x7765_6270_726f_6631 // "webprof1"
    /// The advisory lock a write holds while it runs again after a conflict (one at a time).
    static let retryLock: Int64 = 0x7765_6270_726f_6632 // "webprof2"

    /// The statements of a migration, split at the semicolons outside quotes and `$$` bodies;
    /// `--` comments (outside quotes) are dropped, so an apostrophe in a comment is only text.
    package static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inQuote = false
        var inBody = false
        var inComment = false
        let characters = Array(sql)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            index += 1
            if inComment {
                if character == "\n" { inComment = false; current.append(character) }
                continue
            }
            if character == "-" && next == "-" && !inQuote && !inBody {
                inComment = true
                continue
            }
            if character == "'" && !inBody { inQuote.toggle() }
            if character == "$" && next == "$" && !inQuote {
                inBody.toggle()
                current.append("$$")
                index += 1
                continue
            }
            if character == ";" && !inQuote && !inBody {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            } else {
                current.append(character)
            }
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }

    static let migrations: [(version: Int, sql: String)] = [(1, version1)]

    static var latestVersion: Int { migrations.last!.version }

    static let version1 = """
        CREATE TABLE company (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            vatNumber TEXT NOT NULL UNIQUE,
            legalRepFullName TEXT NOT NULL,
            legalRepFiscalCode TEXT NOT NULL,
            legalRepEmail TEXT NOT NULL,
            legalRepRegistrationId TEXT NOT NULL,
            referentTypes TEXT,
            searchText TEXT NOT NULL DEFAULT '',
            createdAt TIMESTAMPTZ NOT NULL,
            updatedAt TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX company_legal_rep_fiscal_code ON company(legalRepFiscalCode);
        CREATE TABLE line (
            msisdn TEXT PRIMARY KEY,
            companyId TEXT NOT NULL REFERENCES company(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('mobile', 'fixed'))
        );
        CREATE INDEX line_company ON line(companyId);
        CREATE TABLE account (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            displayName TEXT NOT NULL,
            email TEXT NOT NULL,
            fiscalCode TEXT,
            passwordHash TEXT,
            failedAttempts BIGINT NOT NULL DEFAULT 0,
            lastFailedAttemptAt TIMESTAMPTZ,
            lockedUntil TIMESTAMPTZ,
            totpSecret TEXT,
            totpEnabled BOOLEAN NOT NULL DEFAULT FALSE,
            totpLastStep BIGINT,
            createdAt TIMESTAMPTZ NOT NULL,
            updatedAt TIMESTAMPTZ NOT NULL,
            lastLoginAt TIMESTAMPTZ
        );
        CREATE INDEX account_email ON account(email);
        CREATE INDEX account_fiscal_code ON account(fiscalCode);
        CREATE TABLE membership (
            id TEXT PRIMARY KEY,
            accountId TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
            companyId TEXT NOT NULL REFERENCES company(id) ON DELETE CASCADE,
            displayName TEXT NOT NULL,
            email TEXT NOT NULL,
            profile TEXT NOT NULL,
            referent TEXT,
            line TEXT REFERENCES line(msisdn) ON DELETE RESTRICT,
            status TEXT NOT NULL,
            invited BOOLEAN NOT NULL DEFAULT FALSE,
            activationCodeHash TEXT UNIQUE,
            activationExpiresAt TIMESTAMPTZ,
            searchText TEXT NOT NULL,
            createdAt TIMESTAMPTZ NOT NULL,
            updatedAt TIMESTAMPTZ NOT NULL
        );
        CREATE UNIQUE INDEX membership_account_company ON membership(accountId, companyId);
        CREATE INDEX membership_company ON membership(companyId);
        CREATE INDEX membership_email ON membership(email);
        CREATE UNIQUE INDEX membership_live_line ON membership(line) WHERE line IS NOT NULL AND status <> 'revoked';
        CREATE UNIQUE INDEX membership_live_legal_rep ON membership(companyId) WHERE profile = 'legalRepresentative' AND status <> 'revoked';
        CREATE TABLE session (
            id TEXT PRIMARY KEY,
            accountId TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
            tokenHash TEXT NOT NULL UNIQUE,
            createdAt TIMESTAMPTZ NOT NULL,
            expiresAt TIMESTAMPTZ NOT NULL,
            lastSeenAt TIMESTAMPTZ NOT NULL,
            selectedCompanyId TEXT,
            clientAddress TEXT,
            userAgent TEXT,
            requiredAction TEXT
        );
        CREATE INDEX session_account ON session(accountId);
        CREATE TABLE auditEvent (
            id BIGSERIAL PRIMARY KEY,
            at TIMESTAMPTZ NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            agent TEXT,
            ticket TEXT,
            companyId TEXT,
            targetRegistrationId TEXT,
            targetAccountId TEXT,
            before TEXT,
            after TEXT
        );
        CREATE INDEX auditEvent_company ON auditEvent(companyId);
        CREATE INDEX auditEvent_target ON auditEvent(targetRegistrationId);
        CREATE INDEX auditEvent_account ON auditEvent(targetAccountId);
        CREATE INDEX auditEvent_at ON auditEvent(at);
        CREATE TABLE storageProbe (
            id BIGINT PRIMARY KEY CHECK (id = 1),
            at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE loginThrottle (
            source TEXT PRIMARY KEY,
            failures BIGINT NOT NULL,
            windowStartedAt TIMESTAMPTZ NOT NULL,
            nextAttemptAt TIMESTAMPTZ NOT NULL,
            lastAttemptAt TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE recoveryCode (
            codeHash TEXT PRIMARY KEY,
            accountId TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
            createdAt TIMESTAMPTZ NOT NULL,
            expiresAt TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX recoveryCode_account ON recoveryCode(accountId);
        CREATE TABLE secondFactorRecoveryCode (
            codeHash TEXT PRIMARY KEY,
            accountId TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
            createdAt TIMESTAMPTZ NOT NULL
        );

        -- Every committed change authorization caches, in commit order (notifications) and for
        -- catching up after a lost connection (this log, by transaction id).
        CREATE TABLE changeLog (
            id BIGSERIAL PRIMARY KEY,
            xid XID8 NOT NULL DEFAULT pg_current_xact_id(),
            at TIMESTAMPTZ NOT NULL DEFAULT now(),
            change TEXT NOT NULL
        );
        CREATE INDEX changeLog_xid ON changeLog(xid);
        CREATE INDEX changeLog_at ON changeLog(at);
        -- The newest transaction id the log's purge removed: a daemon that must catch up from
        -- before it flushes its caches instead.
        CREATE TABLE changeLogHorizon (
            id BIGINT PRIMARY KEY CHECK (id = 1),
            purgedThrough XID8 NOT NULL
        );
        INSERT INTO changeLogHorizon (id, purgedThrough) VALUES (1, '0');

        CREATE FUNCTION webprofiled_record_change(change TEXT) RETURNS VOID AS $$
        BEGIN
            INSERT INTO changeLog (change) VALUES (change);
            PERFORM pg_notify('webprofiled_changes', change);
        END;
        $$ LANGUAGE plpgsql;

        CREATE FUNCTION webprofiled_account_changed() RETURNS TRIGGER AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN PERFORM webprofiled_record_change('a:' || OLD.id); RETURN OLD; END IF;
            PERFORM webprofiled_record_change('a:' || NEW.id);
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER account_changed AFTER INSERT OR UPDATE OR DELETE ON account
            FOR EACH ROW EXECUTE FUNCTION webprofiled_account_changed();

        CREATE FUNCTION webprofiled_membership_changed() RETURNS TRIGGER AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN PERFORM webprofiled_record_change('a:' || OLD.accountId); END IF;
            IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.accountId <> OLD.accountId) THEN
                PERFORM webprofiled_record_change('a:' || NEW.accountId);
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER membership_changed AFTER INSERT OR UPDATE OR DELETE ON membership
            FOR EACH ROW EXECUTE FUNCTION webprofiled_membership_changed();

        CREATE FUNCTION webprofiled_company_changed() RETURNS TRIGGER AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN PERFORM webprofiled_record_change('c:' || OLD.id); RETURN OLD; END IF;
            PERFORM webprofiled_record_change('c:' || NEW.id);
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER company_changed AFTER INSERT OR UPDATE OR DELETE ON company
            FOR EACH ROW EXECUTE FUNCTION webprofiled_company_changed();

        CREATE FUNCTION webprofiled_line_changed() RETURNS TRIGGER AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN PERFORM webprofiled_record_change('c:' || OLD.companyId); END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            IF TG_OP = 'INSERT' OR NEW.companyId <> OLD.companyId THEN PERFORM webprofiled_record_change('c:' || NEW.companyId); END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER line_changed AFTER INSERT OR UPDATE OR DELETE ON line
            FOR EACH ROW EXECUTE FUNCTION webprofiled_line_changed();

        -- Sessions: their end, and what a session acts as; not their last use (every flush).
        CREATE FUNCTION webprofiled_session_changed() RETURNS TRIGGER AS $$
        BEGIN
            PERFORM webprofiled_record_change('s:' || OLD.tokenHash);
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER session_ended AFTER DELETE ON session
            FOR EACH ROW EXECUTE FUNCTION webprofiled_session_changed();
        CREATE TRIGGER session_changed AFTER UPDATE OF selectedCompanyId, requiredAction, accountId, tokenHash, expiresAt ON session
            FOR EACH ROW EXECUTE FUNCTION webprofiled_session_changed();
        """
}
