import Foundation
import Testing
import WebProfilesServer

@Suite("Configuration file")
struct ConfigurationTests {
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "wp-config-\(UUID().uuidString).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func renderedConfigurationReadsBackTheSame() throws {
        var config = DaemonConfiguration()
        config.auth.sessionIdleTimeout = .seconds(90)
        config.operatorUIDs = [0, 1000]
        config.exitWhenIdle = .milliseconds(1500)
        let rendered = ConfigurationKeys.render(config)
        var reread = DaemonConfiguration()
        try ConfigurationKeys.apply(file: try write(rendered), to: &reread)
        #expect(ConfigurationKeys.render(reread) == rendered)
        #expect(reread.auth.sessionIdleTimeout == .seconds(90))
        #expect(reread.operatorUIDs == [0, 1000])
    }

    @Test func theTOMLSubsetReadsWhatItDocuments() throws {
        var config = DaemonConfiguration()
        try ConfigurationKeys.apply(file: try write("""
            [server]
            socket = '/tmp/with "quotes" and \\ kept.sock' # a literal string
            operator_uids = [
              0,
              1000, # the desk
            ]
            [limits]
            max_connections = 1_000
            """), to: &config)
        #expect(config.socketPath == #"/tmp/with "quotes" and \ kept.sock"#)
        #expect(config.operatorUIDs == [0, 1000])
        #expect(ConfigurationKeys.render(config).contains("max_connections = 1000\n"))
        for (text, message) in [("[limits]\nmax_connections = _1\n", "_ must sit between digits"),
                                ("[limits]\nmax_connections = 1__0\n", "_ must sit between digits"),
                                ("[server]\noperator_uids = [0,\n", "unterminated array"),
                                ("[server]\nsocket = 'open\n", "unterminated string")] {
            var other = DaemonConfiguration()
            #expect(throws: ConfigurationKeys.Error.self) { try ConfigurationKeys.apply(file: try write(text), to: &other) }
            do { try ConfigurationKeys.apply(file: try write(text), to: &other) } catch { #expect("\(error)".contains(message), "\(error)") }
        }
    }

    @Test func theShippedExampleIsValid() throws {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        var config = DaemonConfiguration()
        try ConfigurationKeys.apply(file: url.deletingLastPathComponent().appendingPathComponent("systemd/webprofiled.toml.example").path, to: &config)
        #expect(config.socketPath == "/run/webprofiled/webprofiled.sock")
        // Every setting at its default, as the daemon renders it: the example cannot rot.
        let text = try String(contentsOf: url.deletingLastPathComponent().appendingPathComponent("systemd/webprofiled.toml.example"), encoding: .utf8)
        // The hashing threads default to the machine's cores: the example says so instead.
        let body = text.split(separator: "\n", omittingEmptySubsequences: false).drop { $0.hasPrefix("#") }
            .filter { !$0.hasPrefix("# threads =") }.joined(separator: "\n")
        let rendered = ConfigurationKeys.render(DaemonConfiguration()).split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            .filter { !$0.hasPrefix("threads =") }.joined(separator: "\n")
        #expect(body == rendered, "regenerate systemd/webprofiled.toml.example (make config-example)")
    }

    @Test(arguments: [
        ("[sessions]\nidle_timeout = \"soon\"\n", "line 2: sessions.idle_timeout must be a number"),
        ("[sessions]\nidle_tmeout = 5\n", "line 2: unknown setting sessions.idle_tmeout"),
        ("[lockout]\nthreshold = 0\n", "line 2: lockout.threshold must be between 1 and 100"),
        ("[server\n", "line 1: malformed table header"),
        ("[logging]\nlevel = \"loud\"\n", "line 2: logging.level must be one of"),
        ("[server]\nsocket_mode = 660\n", "line 2: server.socket_mode must be an octal mode"),
        ("[limits]\nmax_connections = 5\nmax_connections = 6\n", "line 3: limits.max_connections is set twice"),
        ("[logging]\nlevel = \"info\" trailing\n", "line 2: unexpected text after the value"),
        ("x = \"unterminated\n", "line 1: unterminated string"),
    ])
    func errorsNameTheLine(text: String, message: String) throws {
        let path = try write(text)
        var config = DaemonConfiguration()
        let error = #expect(throws: ConfigurationKeys.Error.self) { try ConfigurationKeys.apply(file: path, to: &config) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
    }

    @Test func commentsStringsAndArrays() throws {
        let path = try write("""
        # comment
        [server]
        socket = "/tmp/a # not a comment.sock"   # a comment
        operator_uids = [0, 1_000]
        [argon2]
        memory_kib = 64
        """)
        var config = DaemonConfiguration()
        try ConfigurationKeys.apply(file: path, to: &config)
        #expect(config.socketPath == "/tmp/a # not a comment.sock")
        #expect(config.operatorUIDs == [0, 1000])
        #expect(config.auth.argon2.memoryKiB == 64)
    }

    @Test func flagsAreReadAsTheSettingsType() throws {
        var config = DaemonConfiguration()
        try ConfigurationKeys.apply("sessions.lifetime", text: "3.5", to: &config)
        try ConfigurationKeys.apply("server.socket", text: "/tmp/123", to: &config)
        #expect(config.auth.sessionLifetime == .milliseconds(3500))
        #expect(config.socketPath == "/tmp/123")
        #expect(throws: ConfigurationKeys.Error.self) { try ConfigurationKeys.apply("limits.max_connections", text: "many", to: &config) }
        #expect(throws: ConfigurationKeys.Error.self) { try ConfigurationKeys.apply("no.such", text: "1", to: &config) }
    }

    @Test func restartOnlyChangesAreNamed() {
        let old = DaemonConfiguration()
        var new = old
        new.databasePath = "/elsewhere.sqlite"
        new.auth.lockoutThreshold = 9
        #expect(ConfigurationKeys.restartOnlyChanges(from: old, to: new) == ["server.database"])
    }
}
