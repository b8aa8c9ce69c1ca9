import Testing
import WebProfilesStore

/// `server.database` as a PostgreSQL URI: libpq's form, the parts webprofiled uses, and the
/// refusals (a password, an unknown parameter, a bad port).
@Suite("PostgreSQL URI")
struct PostgresURITests {
    @Test func aUnixSocketDirectoryThroughTheHostParameter() throws {
        let uri = try PostgresURI("postgresql://webprofiled@/profiles?host=/run/postgresql&application_name=portal-1")
        #expect(uri.endpoint == .socketDirectory("/run/postgresql"))
        #expect(uri.socketPath == "/run/postgresql/.s.PGSQL.5432")
        #expect(uri.user == "webprofiled")
        #expect(uri.database == "profiles")
        #expect(uri.applicationName == "portal-1")
    }

    @Test func aSocketDirectoryPercentEncodedInTheAuthority() throws {
        let uri = try PostgresURI("postgresql://wp@%2Fvar%2Frun%2Fpostgresql:5433/db")
        #expect(uri.endpoint == .socketDirectory("/var/run/postgresql"))
        #expect(uri.socketPath == "/var/run/postgresql/.s.PGSQL.5433")
    }

    @Test func aHostPortAndSSLMode() throws {
        let uri = try PostgresURI("postgresql://wp@db.example:6432/profiles?sslmode=verify-full")
        #expect(uri.endpoint == .tcp(host: "db.example"))
        #expect(uri.port == 6432)
        #expect(uri.sslMode == .verifyFull)
        #expect(uri.description == "postgresql://wp@db.example:6432/profiles?sslmode=verify-full")
        let v6 = try PostgresURI("postgres://wp@[2001:db8::5]:5432/profiles")
        #expect(v6.endpoint == .tcp(host: "2001:db8::5"))
    }

    @Test func theDatabaseDefaultsToTheUser() throws {
        #expect(try PostgresURI("postgresql://webprofiled@db.example").database == "webprofiled")
    }

    @Test(arguments: [
        ("postgresql://wp:secret@db/profiles", "password"),
        ("postgresql://wp@db/profiles?password=secret", "password"),
        ("postgresql://wp@db/profiles?sslmode=allow", "sslmode"),
        ("postgresql://wp@db/profiles?colour=blue", "unknown URI parameter colour"),
        ("postgresql://wp@db:0/profiles", "port"),
        ("postgresql://wp@db:http/profiles", "port"),
        ("postgresql://db/profiles", "no user"),
        ("/var/lib/webprofiled/webprofiled.sqlite", "not a postgresql:// URI"),
    ])
    func refusals(_ text: String, _ reason: String) {
        #expect {
            try PostgresURI(text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
