import ArgumentParser
import BenchmarkSupport
import Foundation
import WebProfilesDomain

/// `webprofiles-seed`: fills a new webprofiled database for the scale benchmark.
///
/// Benchmark-only: it lives in the Benchmarks package and is never installed.
@main
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webprofiles-seed",
        abstract: "Fill a new webprofiled SQLite database with synthetic companies, registrations and live sessions (benchmark only).",
        discussion: """
        Run it while the daemon is stopped, on a database file that does not exist yet (or with \
        --force). The database is created with webprofiled's own migrations (schema v3: accounts \
        and memberships), then filled in large transactions, one account with one membership per \
        registration: every company has exactly one active legal representative; the \
        other registrations are 5% adminFull, 10% adminLight, 25% deviceUser and 60% user, each \
        deviceUser and user holding its own mobile line of the company; about 10% of them are \
        pending activation or revoked; every active registration logs in with --password; \
        --sessions active registrations hold one live session. No audit events are written.

        Progress goes to standard error; standard output carries only the result, with a sample \
        registration whose token is allowed `line.manage` on the sample line and whose username \
        and password log in, and the token of a legal representative or adminFull (users.view, \
        for Profiles/ListRegistrations). Seeded sessions were last used at the end of the run: a daemon with \
        the default sessions.idle_timeout (30 minutes) ends those not used again within it.
        """
    )

    @Option(help: ArgumentHelp("The database file to create.", valueName: "path"))
    var database: String

    @Option(help: "Companies, each with its legal representative.")
    var companies = 10_000

    @Option(help: "Registrations in all (at least one per company).")
    var registrations = 1_000_000

    @Option(help: "Live sessions, one per active registration.")
    var sessions = 100_000

    @Option(help: "The password of every active registration.")
    var password = "benchmark-seed-password"

    @Option(help: "Rows per transaction.")
    var batchSize = 50_000

    @Option(help: ArgumentHelp("Seconds from a session's creation to its end (default: the daemon's sessions.lifetime default).",
                               valueName: "seconds"))
    var sessionLifetime: Int?

    @Option(help: ArgumentHelp("Also write every session's token to this file, one per line (mode 0600), for loads that spread over all sessions (webprofilectl bench authorize --tokens-file).",
                               valueName: "path"))
    var tokensFile: String?

    @Flag(help: "Delete an existing database (and its -wal and -shm files) first.")
    var force = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard !database.isEmpty else { throw ArgumentParser.ValidationError("--database must not be empty") }
        guard (1...SyntheticData.maximumCompanies).contains(companies) else {
            throw ArgumentParser.ValidationError("--companies must be between 1 and \(SyntheticData.maximumCompanies)")
        }
        guard (companies...SeedPlan.maximumRegistrations).contains(registrations) else {
            throw ArgumentParser.ValidationError(
                "--registrations must be between --companies (\(companies): each company has its legal representative) and \(SeedPlan.maximumRegistrations)"
            )
        }
        guard (0...registrations).contains(sessions) else {
            throw ArgumentParser.ValidationError("--sessions must be between 0 and --registrations (\(registrations))")
        }
        guard (100...1_000_000).contains(batchSize) else { throw ArgumentParser.ValidationError("--batch-size must be between 100 and 1000000") }
        if let sessionLifetime, !(120...(30 * 86_400)).contains(sessionLifetime) {
            throw ArgumentParser.ValidationError("--session-lifetime must be between 120 and 2592000 seconds")
        }
        // The daemon's password policy (the username part is checked on the sample once seeded).
        let policy = PasswordPolicy()
        guard password.count >= policy.minimumCharacters, password.utf8.count <= PasswordPolicy.maximumBytes else {
            throw ArgumentParser.ValidationError(
                "--password must be \(policy.minimumCharacters) characters to \(PasswordPolicy.maximumBytes) bytes (the daemon's policy)"
            )
        }
    }

    func run() async throws {
        try prepareDatabasePath()
        let seeder = Seeder(options: Seeder.Options(
            databasePath: database, companies: companies, registrations: registrations, sessions: sessions, password: password,
            batchSize: batchSize,
            sessionLifetime: sessionLifetime.map { Double($0) } ?? DaemonDefaults.sessionLifetime,
            activationValidity: DaemonDefaults.activationValidity, tokensFile: tokensFile
        ))
        let result = try await seeder.run()
        do {
            try PasswordPolicy().check(password, username: result.sample.username)
        } catch {
            seeder.progress.note("warning: the password does not meet the daemon's policy for \(result.sample.username): \(error)")
        }
        let output = try json ? result.json() : result.text
        print(output)
    }

    /// Refuses an existing database unless `--force`, which deletes it and its companion files.
    private func prepareDatabasePath() throws {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: database, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw SeedError("\(database) is a directory") }
            guard force else { throw SeedError("\(database) exists; pass --force to delete it and seed a new database") }
        }
        for path in [database, database + "-wal", database + "-shm", database + "-journal"] where files.fileExists(atPath: path) {
            guard force else { throw SeedError("\(path) exists; pass --force to delete it and seed a new database") }
            try files.removeItem(atPath: path)
        }
    }
}
