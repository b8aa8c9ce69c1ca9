import Foundation
import Synchronization
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// Every `webprofilectl` subcommand, run against the real daemon at least once, its output
/// checked; a last test compares the commands run with the tree the binary itself describes
/// (`--experimental-dump-help`), so a new subcommand without a test fails here.
@Suite("webprofilectl: every subcommand (end to end)", .serialized)
struct CLICommandsTests {
    /// The leaf command paths the tests below ran.
    static let ran = Mutex<Set<String>>([])

    /// Runs a command (its path first, then its arguments), records it, and returns its output.
    @discardableResult
    static func run(_ daemon: DaemonProcess, _ path: String, _ arguments: [String] = [], token: String? = nil, stdin: String? = nil,
                    expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        ran.withLock { _ = $0.insert(path) }
        let words = path.split(separator: " ").map(String.init)
        let result = try daemon.ctl((token.map { ["--token", $0] } ?? []) + words + arguments, stdin: stdin)
        #expect(result.status == status, "\(path) \(arguments): \(result.err)", sourceLocation: sourceLocation)
        return result.out
    }

    static func field(_ daemon: DaemonProcess, _ path: String, _ arguments: [String], _ fields: [String], token: String? = nil, stdin: String? = nil) throws -> [String] {
        let out = try run(daemon, path, arguments + fields.flatMap { ["--field", $0] }, token: token, stdin: stdin)
        return out.split(separator: "\n").map(String.init)
    }

    static let desk = ["--agent", "cli.tester", "--ticket", "T-1"]

    @Test func sessionAccountAndSecondFactorCommands() async throws {
        let daemon = try DaemonProcess()
        try Self.run(daemon, "health")
        let created = try Self.field(daemon, "operator company create", ["--name", "Rossi S.r.l.", "--vat", "01234567897", "--rep-name", "Mario Rossi",
                                                                        "--rep-fiscal-code", "RSSMRA80A01H501U", "--rep-email", "m@rossi.example",
                                                                        "--rep-username", "mario.rossi"] + Self.desk,
                                     ["company.companyId", "activationCode"])
        let companyID = created[0]
        try Self.run(daemon, "activate", [created[1], "--password-stdin"], stdin: "Velvet-Orbit-Lantern-7\n")
        try Self.run(daemon, "login", ["mario.rossi", "--password-stdin", "--save", "--client-ip", "192.0.2.4", "--user-agent", "cli-test"], stdin: "Velvet-Orbit-Lantern-7\n")
        #expect(try Self.run(daemon, "whoami").contains("Rossi S.r.l."))
        #expect(try Self.run(daemon, "authorize", ["company.view"]).contains("allowed:  yes"))
        try Self.run(daemon, "operator lines add", [companyID, "+393331234567", "+393339876543"] + Self.desk)
        // Several lines in one call (AuthorizeMany): a row each; a line of no company's is refused (exit 3).
        let many = try Self.run(daemon, "authorize", ["line.manage", "--line", "+393331234567", "--line", "+393339876543"])
        #expect(many.contains("+393331234567") && many.contains("+393339876543") && !many.contains("no "))
        try Self.run(daemon, "authorize", ["line.manage", "--line", "+393331234567", "--line", "+393470000000"], expect: 3)
        let lines = try Self.run(daemon, "authorized-lines", ["line.manage", "--page-size", "1"])
        #expect(lines.contains("+393331234567") && !lines.contains("+393339876543") && lines.contains("more: --page-token"))
        try Self.run(daemon, "authorized-lines", ["company.view"], expect: 64)
        #expect(try Self.run(daemon, "account show").contains("mario.rossi"))
        #expect(try Self.run(daemon, "account update", ["--display-name", "Mario R."]).contains("Mario R."))
        #expect(try Self.run(daemon, "account update", ["--email", "mario@rossi.example", "--password-stdin"], stdin: "Velvet-Orbit-Lantern-7\n").contains("mario@rossi.example"))
        #expect(try Self.run(daemon, "company show").contains("Rossi S.r.l."))
        #expect(try Self.run(daemon, "company select", [companyID]).contains("acting for"))
        // Sessions: a second one, listed with where it came from, revoked; then all others.
        let second = try Self.run(daemon, "login", ["mario.rossi", "--password-stdin"], stdin: "Velvet-Orbit-Lantern-7\n").trimmingCharacters(in: .whitespacesAndNewlines)
        let listed = try Self.run(daemon, "sessions list")
        #expect(listed.contains("192.0.2.4") && listed.contains("cli-test"))
        let secondID = try Self.field(daemon, "whoami", [], ["session.sessionId"], token: second)[0]
        #expect(try Self.run(daemon, "sessions revoke", [secondID]).contains("ended"))
        _ = try Self.run(daemon, "login", ["mario.rossi", "--password-stdin"], stdin: "Velvet-Orbit-Lantern-7\n")
        #expect(try Self.run(daemon, "sessions revoke-others").contains("1 other session(s) ended"))
        // Password change and recovery.
        try Self.run(daemon, "password change", ["--password-stdin"], stdin: "Velvet-Orbit-Lantern-7\nHarbor-Quilt-Meteor-5\n")
        let code = try Self.field(daemon, "recover request", ["mario.rossi"], ["delivery.recoveryCode"])[0]
        #expect(code.hasPrefix("wpr_"))
        #expect(try Self.run(daemon, "recover request", ["nobody.here"]).contains("no delivery"))
        try Self.run(daemon, "recover complete", [code, "--password-stdin"], stdin: "Saffron-Tundra-Violin-6\n")
        try Self.run(daemon, "login", ["mario.rossi", "--password-stdin", "--save"], stdin: "Saffron-Tundra-Violin-6\n")
        // The second factor: enrol (no QR without a terminal), confirm with the app's code, log in with the next.
        let enrolment = try Self.field(daemon, "totp enroll", [], ["secret", "otpauthURI"])
        #expect(enrolment[1].hasPrefix("otpauth://totp/"))
        let app = try #require(Authenticator(base32: enrolment[0]))
        let recovery = try Self.run(daemon, "totp confirm", [app.code()])
        #expect(recovery.contains("Recovery codes"))
        try Self.run(daemon, "login", ["mario.rossi", "--password-stdin"], stdin: "Saffron-Tundra-Violin-6\n", expect: 77)
        try Self.run(daemon, "login", ["mario.rossi", "--password-stdin", "--save", "--otp", app.code(offset: 1)], stdin: "Saffron-Tundra-Violin-6\n")
        try Self.run(daemon, "totp disable", ["--password-stdin"], stdin: "Saffron-Tundra-Violin-6\n")
        try Self.run(daemon, "login", ["mario.rossi", "--password-stdin"], stdin: "Saffron-Tundra-Violin-6\n")
        // An invitation accepted from the CLI.
        let bianchi = try Self.field(daemon, "operator company create", ["--name", "Bianchi S.p.A.", "--vat", "12345678903", "--rep-name", "Luigi Bianchi",
                                                                        "--rep-fiscal-code", "BNCLGU75B02F205K", "--rep-email", "l@bianchi.example",
                                                                        "--rep-username", "mario.rossi"] + Self.desk, ["company.companyId", "activationCode"])
        #expect(try Self.run(daemon, "account accept-invitation", [bianchi[1]]).contains("Bianchi S.p.A."))
        #expect(try Self.run(daemon, "account show").contains("Bianchi S.p.A."))
        try Self.run(daemon, "logout")
        try Self.run(daemon, "whoami", expect: 64)
    }

    @Test func gestioneUtenzeAndAuditCommands() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let token = f.repToken
        let anna = try Self.field(daemon, "users register", ["anna.bianchi", "--display-name", "Anna Bianchi", "--email", "anna@rossi.example",
                                                            "--profile", "adminLight", "--referent", "Referente mobile"],
                                  ["registration.registrationId", "activationCode"], token: token)
        let pending = try Self.field(daemon, "users register", ["pending.one", "--display-name", "P", "--email", "p@rossi.example", "--profile", "adminLight"],
                                     ["registration.registrationId"], token: token)[0]
        try Self.run(daemon, "activate", [anna[1], "--password-stdin"], stdin: "Copper-Meadow-Kettle-4\n")
        let annaToken = try Self.run(daemon, "login", ["anna.bianchi", "--password-stdin"], stdin: "Copper-Meadow-Kettle-4\n").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.run(daemon, "users list", ["--query", "BIANCHI"], token: token).contains("anna.bianchi"))
        #expect(try Self.run(daemon, "users show", [anna[0]], token: token).contains("Referente mobile"))
        #expect(try Self.run(daemon, "users update", [anna[0], "--display-name", "Anna M. Bianchi"], token: token).contains("Anna M. Bianchi"))
        #expect(try Self.run(daemon, "users set-profile", [anna[0], "user", "--line", "+393331234567"], token: token).contains("+393331234567"))
        #expect(try Self.run(daemon, "users sessions", [anna[0]], token: token).contains("CREATED"))
        #expect(try Self.run(daemon, "users end-sessions", [anna[0]], token: token).contains("1 session(s) ended"))
        try Self.run(daemon, "whoami", token: annaToken, expect: 77)
        let delivery = try Self.run(daemon, "users reset-password", [anna[0]], token: token)
        #expect(delivery.contains("deliver to:") && delivery.contains("anna@rossi.example"))
        #expect(try Self.run(daemon, "users reissue-activation", [pending], token: token).contains("activation code"))
        #expect(try Self.run(daemon, "users revoke", [anna[0], "--reason", "left"], token: token).contains("revoked"))
        #expect(try Self.run(daemon, "users restore", [anna[0]], token: token).contains("pendingActivation"))
        let trail = try Self.run(daemon, "audit list", ["--all", "--action", "profileChanged"], token: token)
        #expect(trail.contains("profileChanged") && !trail.contains("more:"))
        try Self.run(daemon, "audit list", ["--since", "yesterday"], token: token, expect: 64)
    }

    @Test func operatorCommands() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        #expect(try Self.run(daemon, "operator company show", [f.companyID]).contains("Rossi S.r.l."))
        #expect(try Self.run(daemon, "operator company list").contains("01234567897"))
        #expect(try Self.run(daemon, "operator company find", ["--name", "ROSSI"]).contains(f.companyID))
        #expect(try Self.run(daemon, "operator company update-legal-rep", [f.companyID, "--rep-email", "new@rossi.example", "--reason", "typo"] + Self.desk).contains("new@rossi.example"))
        #expect(try Self.run(daemon, "operator company referent-types", [f.companyID, "Referente Tecnico"] + Self.desk).contains("Referente Tecnico"))
        #expect(try Self.run(daemon, "operator lines add", [f.companyID, "+393330001111"] + Self.desk).contains("+393330001111"))
        #expect(!(try Self.run(daemon, "operator lines remove", [f.companyID, "+393330001111"] + Self.desk)).contains("+393330001111"))
        #expect(try Self.run(daemon, "operator users find", ["--fiscal-code", "RSSMRA80A01H501U"]).contains(f.repID))
        #expect(try Self.run(daemon, "operator users list", [f.companyID]).contains("mario.rossi"))
        #expect(try Self.run(daemon, "operator users show", [f.repID]).contains("legalRepresentative"))
        #expect(try Self.run(daemon, "operator users sessions", [f.repID]).contains("CREATED"))
        let pending = try await f.rep.registerUser(RegisterUserRequest(username: "pending.one", displayName: "P", email: "p@rossi.example", profile: .adminLight))
        #expect(try Self.run(daemon, "operator users reissue-activation", [pending.registration.registrationId] + Self.desk).contains("activation code"))
        #expect(try Self.run(daemon, "operator users end-sessions", [f.repID, "--reason", "stolen laptop"] + Self.desk).contains("1 session(s) ended"))
        for _ in 0..<5 { _ = try? await daemon.apiClient().login(username: "mario.rossi", password: "wrong-password-xx") }
        #expect(try Self.run(daemon, "operator unlock", [f.repID] + Self.desk).contains("active"))
        #expect(try Self.run(daemon, "operator users reset-password", [f.repID, "--reason", "forgot it"] + Self.desk).contains("recovery code"))
        try Self.run(daemon, "operator users reset-second-factor", [f.repID, "--reason", "lost phone"] + Self.desk, expect: 1)
        let replaced = try Self.run(daemon, "operator company set-legal-rep", [f.companyID, "--rep-name", "Giulia Neri", "--rep-fiscal-code", "RSSMRA80A01H501U",
                                                                              "--rep-email", "g@rossi.example", "--rep-username", "giulia.neri", "--reason", "new director"] + Self.desk)
        #expect(replaced.contains("Giulia Neri"))
        let audit = try Self.run(daemon, "operator audit", ["--company", f.companyID, "--all"])
        #expect(audit.contains("agent cli.tester, ticket T-1") && audit.contains("legalRepresentativeChanged"))
        #expect(try Self.run(daemon, "operator stats").contains("companies:"))
        #expect(try Self.run(daemon, "operator reload").contains("configuration reloaded"))
        #expect(try Self.run(daemon, "operator metrics").contains("# TYPE webprofiled_rpc_duration_seconds histogram"))
        let textfile = NSTemporaryDirectory() + "wp-cli-metrics-\(getpid()).prom"
        defer { try? FileManager.default.removeItem(atPath: textfile) }
        #expect(try Self.run(daemon, "operator metrics", ["--output", textfile]).isEmpty)
        #expect(try String(contentsOfFile: textfile, encoding: .utf8).contains("webprofiled_logins_total{outcome=\"success\"}"))
        try Self.run(daemon, "operator metrics", ["--output", "/nonexistent-folder/x.prom"], expect: 64)
        // A desk write without an agent is refused before the daemon is asked.
        try Self.run(daemon, "operator unlock", [f.repID, "--agent", ""], expect: 64)
    }

    @Test func benchCommands() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let common = ["--duration", "0.2", "--warmup", "0", "--field", "calls"]
        #expect(Int(try Self.run(daemon, "bench health", common).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0)
        #expect(Int(try Self.run(daemon, "bench authorize", ["--permission", "company.view"] + common, token: f.repToken).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0)
        #expect(Int(try Self.run(daemon, "bench list-registrations", common, token: f.repToken).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0)
        #expect(Int(try Self.run(daemon, "bench login", ["--username", "mario.rossi", "--password-stdin"] + common, stdin: Fixture.password + "\n").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0)
    }

    @Test func everySubcommandWasRun() throws {
        let dump = try DaemonProcess.run(DaemonProcess.ctlBinary, ["--experimental-dump-help"])
        struct Command: Decodable {
            var commandName: String
            var subcommands: [Command]?
        }
        struct Dump: Decodable { var command: Command }
        let tree = try JSONDecoder().decode(Dump.self, from: Data(dump.out.utf8)).command
        func leaves(_ command: Command, _ path: [String]) -> [String] {
            let subcommands = (command.subcommands ?? []).filter { $0.commandName != "help" }
            if subcommands.isEmpty { return [path.joined(separator: " ")] }
            return subcommands.flatMap { leaves($0, path + [$0.commandName]) }
        }
        let all = Set(leaves(tree, []))
        #expect(all.count > 50)
        let ran = Self.ran.withLock { $0 }
        // Run after the others (the suite is serialized, in declaration order).
        #expect(all.subtracting(ran).sorted() == [], "subcommands no test runs")
    }
}
