import ArgumentParser
import Logging
import ServiceLifecycle
import UnixSignals
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesServer
import WebProfilesTransport

/// `webprofiled`: the web registration profiles daemon.
@main
struct WebProfilesDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webprofiled",
        abstract: "Session authentication and web registration profiles daemon.",
        discussion: """
        Serves the webprofiles v1 RPC protocol (Protocol/PROTOCOL.md) on a public API socket and an \
        operator socket. With --state-directory DIR, the sockets and the database default to files \
        in DIR (handy for running from a checkout); otherwise they default to \
        /run/webprofiled/webprofiled.sock, /run/webprofiled/operator.sock and \
        /var/lib/webprofiled/webprofiled.sqlite. SIGTERM or SIGINT stop it gracefully.
        """,
        version: webProfilesVersion
    )

    @Option(help: ArgumentHelp("Folder for the sockets and the database when their own options are not given.", valueName: "dir"))
    var stateDirectory: String?

    @Option(help: ArgumentHelp("Path of the public API socket.", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("Path of the operator socket.", valueName: "path"))
    var operatorSocket: String?

    @Option(help: ArgumentHelp("Permissions of the API socket file, octal.", valueName: "mode"))
    var socketMode: String = "0660"

    @Option(help: ArgumentHelp("Permissions of the operator socket file, octal.", valueName: "mode"))
    var operatorSocketMode: String = "0600"

    @Option(name: .customLong("operator-uid"), help: ArgumentHelp("A uid allowed on the operator socket (repeatable; default: root and the daemon's own uid).", valueName: "uid"))
    var operatorUIDs: [UInt32] = []

    @Option(help: ArgumentHelp("SQLite database file.", valueName: "path"))
    var database: String?

    @Option(help: ArgumentHelp("Largest accepted frame length field, in bytes.", valueName: "bytes"))
    var maxFrameBytes: Int = 1 << 20

    @Option(help: ArgumentHelp("Connections each listener holds at once.", valueName: "n"))
    var maxConnections: Int = 1024

    @Option(help: ArgumentHelp("Calls one connection may have in flight.", valueName: "n"))
    var maxConcurrentCalls: Int = 1024

    @Option(help: ArgumentHelp("Seconds a started frame may take to arrive completely.", valueName: "seconds"))
    var frameTimeout: Double = 10

    @Option(help: ArgumentHelp("Seconds without traffic after which a connection is closed.", valueName: "seconds"))
    var idleTimeout: Double = 300

    @Option(help: ArgumentHelp("Seconds in-flight calls get to finish on shutdown.", valueName: "seconds"))
    var shutdownGracePeriod: Double = 10

    @Option(help: ArgumentHelp("Seconds an unused session lives.", valueName: "seconds"))
    var sessionIdleTimeout: Double = 1800

    @Option(help: ArgumentHelp("Seconds a session lives at most.", valueName: "seconds"))
    var sessionLifetime: Double = 43_200

    @Option(help: ArgumentHelp("Live sessions per registration; a new login ends the oldest.", valueName: "n"))
    var maxSessions: Int = 10

    @Option(help: ArgumentHelp("Consecutive failed logins that lock a registration.", valueName: "n"))
    var lockoutThreshold: Int = 5

    @Option(help: ArgumentHelp("Seconds a lockout lasts.", valueName: "seconds"))
    var lockoutDuration: Double = 900

    @Option(help: ArgumentHelp("Seconds an activation code stays valid.", valueName: "seconds"))
    var activationValidity: Double = 259_200

    @Option(help: ArgumentHelp("Minimum password length in characters.", valueName: "n"))
    var passwordMinLength: Int = 12

    @Option(name: .customLong("argon2-memory-kib"), help: ArgumentHelp("Argon2id memory cost in KiB.", valueName: "kib"))
    var argon2MemoryKiB: UInt32 = 19_456

    @Option(name: .customLong("argon2-iterations"), help: ArgumentHelp("Argon2id time cost.", valueName: "n"))
    var argon2Iterations: UInt32 = 2

    @Option(name: .customLong("argon2-parallelism"), help: ArgumentHelp("Argon2id lanes.", valueName: "n"))
    var argon2Parallelism: UInt32 = 1

    @Option(help: ArgumentHelp("Threads that hash passwords (default: the number of cores).", valueName: "n"))
    var hashingThreads: Int?

    @Option(help: ArgumentHelp("Seconds between writes of session use to the database.", valueName: "seconds"))
    var sessionFlushInterval: Double = 30

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard UInt32(socketMode, radix: 8) != nil, UInt32(operatorSocketMode, radix: 8) != nil else {
            throw ValidationError("socket modes are octal numbers such as 0660")
        }
        guard maxFrameBytes >= 1024 && maxFrameBytes <= 64 << 20 else {
            throw ValidationError("--max-frame-bytes must be between 1024 and 67108864")
        }
        guard maxConnections > 0, maxConcurrentCalls > 0 else {
            throw ValidationError("--max-connections and --max-concurrent-calls must be positive")
        }
        for (name, value) in [("--frame-timeout", frameTimeout), ("--idle-timeout", idleTimeout), ("--shutdown-grace-period", shutdownGracePeriod),
                              ("--session-idle-timeout", sessionIdleTimeout), ("--lockout-duration", lockoutDuration), ("--session-flush-interval", sessionFlushInterval)] {
            guard value > 0 && value <= 86_400 else { throw ValidationError("\(name) must be between 0 and 86400 seconds") }
        }
        guard sessionLifetime > 0 && sessionLifetime <= 30 * 86_400 else { throw ValidationError("--session-lifetime must be between 0 and 2592000 seconds") }
        guard activationValidity > 0 && activationValidity <= 30 * 86_400 else { throw ValidationError("--activation-validity must be between 0 and 2592000 seconds") }
        guard (1...1000).contains(maxSessions) else { throw ValidationError("--max-sessions must be 1...1000") }
        guard (1...100).contains(lockoutThreshold) else { throw ValidationError("--lockout-threshold must be 1...100") }
        guard (1...256).contains(passwordMinLength) else { throw ValidationError("--password-min-length must be 1...256") }
        guard Argon2Parameters(memoryKiB: argon2MemoryKiB, iterations: argon2Iterations, parallelism: argon2Parallelism).isWithinBounds else {
            throw ValidationError("Argon2 parameters must be memory 8...1048576 KiB (at least 8 × parallelism), iterations 1...16, parallelism 1...16")
        }
        if let hashingThreads, !(1...256).contains(hashingThreads) { throw ValidationError("--hashing-threads must be 1...256") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "webprofiled")

        var configuration = DaemonConfiguration()
        let state = stateDirectory.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        configuration.apiListener = .path(socket ?? state.map { "\($0)/webprofiled.sock" } ?? DaemonConfiguration.defaultSocketPath, mode: UInt32(socketMode, radix: 8)!)
        configuration.operatorListener = .path(operatorSocket ?? state.map { "\($0)/operator.sock" } ?? DaemonConfiguration.defaultOperatorSocketPath, mode: UInt32(operatorSocketMode, radix: 8)!)
        configuration.databasePath = database ?? state.map { "\($0)/webprofiled.sqlite" } ?? DaemonConfiguration.defaultDatabasePath
        configuration.operatorUIDs = Set(operatorUIDs)
        configuration.limits.maxFrameBytes = maxFrameBytes
        configuration.limits.maxConnections = maxConnections
        configuration.limits.maxConcurrentCalls = maxConcurrentCalls
        configuration.limits.frameTimeout = .milliseconds(Int64(frameTimeout * 1000))
        configuration.limits.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        configuration.limits.shutdownGracePeriod = .milliseconds(Int64(shutdownGracePeriod * 1000))
        configuration.auth.sessionIdleTimeout = .milliseconds(Int64(sessionIdleTimeout * 1000))
        configuration.auth.sessionLifetime = .milliseconds(Int64(sessionLifetime * 1000))
        configuration.auth.maxSessionsPerRegistration = maxSessions
        configuration.auth.lockoutThreshold = lockoutThreshold
        configuration.auth.lockoutDuration = .milliseconds(Int64(lockoutDuration * 1000))
        configuration.auth.activationValidity = .milliseconds(Int64(activationValidity * 1000))
        configuration.auth.passwordPolicy = PasswordPolicy(minimumCharacters: passwordMinLength)
        configuration.auth.argon2 = Argon2Parameters(memoryKiB: argon2MemoryKiB, iterations: argon2Iterations, parallelism: argon2Parallelism)
        if let hashingThreads { configuration.auth.hashingThreads = hashingThreads }
        configuration.auth.sessionFlushInterval = .milliseconds(Int64(sessionFlushInterval * 1000))

        let daemon = try WebProfilesDaemon(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: daemon.services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        ))
        logger.info("starting", metadata: ["version": "\(webProfilesVersion)", "database": "\(configuration.databasePath)"])
        try await group.run()
    }
}
