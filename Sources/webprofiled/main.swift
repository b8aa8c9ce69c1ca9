import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import WebProfilesAPI
import WebProfilesServer
import WebProfilesSystemd
import WebProfilesTransport

/// `webprofiled`: the web registration profiles daemon.
@main
struct WebProfilesDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webprofiled",
        abstract: "Session authentication and web registration profiles daemon.",
        discussion: """
        Serves the webprofiles v1 RPC protocol (Protocol/PROTOCOL.md) on a public API socket and an \
        operator socket. Settings come from the defaults, then the configuration file (--config, \
        default /etc/webprofiled/webprofiled.toml, optional), then --state-directory, then the \
        flags below. --print-config shows the result.

        Started by systemd socket activation, the sockets named "api" and "operator" are used \
        (LISTEN_FDS/LISTEN_FDNAMES); otherwise the daemon binds the socket paths itself. It reports \
        readiness and health with sd_notify (Type=notify, watchdog) and logs to the journal when \
        standard error is connected to it.

        SIGHUP (or `webprofilectl operator reload`) re-reads the configuration file without dropping \
        connections or sessions; an invalid file is refused and the running configuration kept. \
        SIGTERM or SIGINT stop gracefully.
        """,
        version: webProfilesVersion
    )

    @Option(help: ArgumentHelp("Configuration file (missing default file: built-in defaults).", valueName: "path"))
    var config: String?

    @Flag(help: "Print the effective configuration and exit.")
    var printConfig = false

    @Option(help: ArgumentHelp("Folder for the sockets and the database (for running from a checkout).", valueName: "dir"))
    var stateDirectory: String?

    @Option(help: ArgumentHelp("Path of the API socket [server.socket].", valueName: "path")) var socket: String?
    @Option(help: ArgumentHelp("Path of the operator socket [server.operator_socket].", valueName: "path")) var operatorSocket: String?
    @Option(help: ArgumentHelp("Permissions of the API socket file, octal [server.socket_mode].", valueName: "mode")) var socketMode: String?
    @Option(help: ArgumentHelp("Permissions of the operator socket file, octal [server.operator_socket_mode].", valueName: "mode")) var operatorSocketMode: String?
    @Option(name: .customLong("operator-uid"), help: ArgumentHelp("A uid allowed on the operator socket, repeatable [server.operator_uids].", valueName: "uid"))
    var operatorUIDs: [UInt32] = []
    @Option(help: ArgumentHelp("SQLite database file, or a postgresql:// URI of a database several daemons share [server.database].", valueName: "path-or-uri"))
    var database: String?
    @Option(help: ArgumentHelp("File holding the PostgreSQL password (never on the command line) [server.database_password_file].", valueName: "path"))
    var databasePasswordFile: String?
    @Option(help: ArgumentHelp("Exit after this many seconds without connections [server.exit_when_idle].", valueName: "seconds")) var exitWhenIdle: String?
    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical [logging.level].", valueName: "level")) var logLevel: String?
    @Option(help: ArgumentHelp("auto (journal when stderr is the journal), journal, text or json [logging.format].", valueName: "format")) var logFormat: String?
    @Option(help: ArgumentHelp("Largest accepted frame length field, bytes [limits.max_frame_bytes].", valueName: "bytes")) var maxFrameBytes: String?
    @Option(help: ArgumentHelp("Connections each socket holds [limits.max_connections].", valueName: "n")) var maxConnections: String?
    @Option(help: ArgumentHelp("Connections one peer uid may hold on the API socket [limits.max_connections_per_peer].", valueName: "n")) var maxConnectionsPerPeer: String?
    @Option(help: ArgumentHelp("Calls one connection may have in flight [limits.max_concurrent_calls].", valueName: "n")) var maxConcurrentCalls: String?
    @Option(help: ArgumentHelp("Bytes the running calls of one connection may hold [limits.max_inflight_request_bytes].", valueName: "bytes")) var maxInflightRequestBytes: String?
    @Option(help: ArgumentHelp("Bytes all connections of one peer uid may hold [limits.max_buffered_bytes_per_peer].", valueName: "bytes")) var maxBufferedBytesPerPeer: String?
    @Option(help: ArgumentHelp("Seconds a started frame may take [limits.frame_timeout].", valueName: "seconds")) var frameTimeout: String?
    @Option(help: ArgumentHelp("Seconds before an idle connection is closed [limits.idle_timeout].", valueName: "seconds")) var idleTimeout: String?
    @Option(help: ArgumentHelp("Seconds in-flight calls get on shutdown [limits.shutdown_grace_period].", valueName: "seconds")) var shutdownGracePeriod: String?
    @Option(help: ArgumentHelp("Seconds an unused session lives [sessions.idle_timeout].", valueName: "seconds")) var sessionIdleTimeout: String?
    @Option(help: ArgumentHelp("Seconds a session lives at most [sessions.lifetime].", valueName: "seconds")) var sessionLifetime: String?
    @Option(help: ArgumentHelp("Live sessions per registration [sessions.max_per_registration].", valueName: "n")) var maxSessions: String?
    @Option(help: ArgumentHelp("Seconds between writes of session use [sessions.flush_interval].", valueName: "seconds")) var sessionFlushInterval: String?
    @Option(help: ArgumentHelp("Failed logins that lock a registration [lockout.threshold].", valueName: "n")) var lockoutThreshold: String?
    @Option(help: ArgumentHelp("Seconds a lockout lasts [lockout.duration].", valueName: "seconds")) var lockoutDuration: String?
    @Option(help: ArgumentHelp("Seconds an activation code is valid [passwords.activation_validity].", valueName: "seconds")) var activationValidity: String?
    @Option(help: ArgumentHelp("Minimum password length [passwords.min_length].", valueName: "n")) var passwordMinLength: String?
    @Option(name: .customLong("argon2-memory-kib"), help: ArgumentHelp("Argon2id memory in KiB [argon2.memory_kib].", valueName: "kib")) var argon2MemoryKiB: String?
    @Option(name: .customLong("argon2-iterations"), help: ArgumentHelp("Argon2id time cost [argon2.iterations].", valueName: "n")) var argon2Iterations: String?
    @Option(name: .customLong("argon2-parallelism"), help: ArgumentHelp("Argon2id lanes [argon2.parallelism].", valueName: "n")) var argon2Parallelism: String?
    @Option(help: ArgumentHelp("Threads that hash passwords [argon2.threads].", valueName: "n")) var hashingThreads: String?
    @Option(help: ArgumentHelp("Seconds a recovery code is valid [passwords.recovery_validity].", valueName: "seconds")) var recoveryValidity: String?
    @Option(help: ArgumentHelp("cracklib dictionary new passwords are checked against, \"\" for none [passwords.cracklib_dictionary].", valueName: "path")) var cracklibDictionary: String?
    @Option(help: ArgumentHelp("File of refused passwords, one per line [passwords.blocklist_file].", valueName: "path")) var passwordBlocklistFile: String?
    @Option(name: .customLong("second-factor-profile"), help: ArgumentHelp("A profile whose holders must enrol a second factor, repeatable [second_factor.required_profiles].", valueName: "profile"))
    var secondFactorProfiles: [String] = []
    @Option(help: ArgumentHelp("The name authenticator apps show [second_factor.issuer].", valueName: "name")) var totpIssuer: String?
    @Option(help: ArgumentHelp("Key encrypting second-factor secrets [second_factor.key_file].", valueName: "path")) var secondFactorKeyFile: String?
    @Option(help: ArgumentHelp("Days audit events stay in the database, 0 = forever [audit.retention_days].", valueName: "days")) var auditRetentionDays: String?

    /// The flags that were given: (flag, configuration key, value).
    var overrides: [(flag: String, key: String, value: String)] {
        let all: [(String, String, String?)] = [
            ("socket", "server.socket", socket), ("operator-socket", "server.operator_socket", operatorSocket),
            ("socket-mode", "server.socket_mode", socketMode), ("operator-socket-mode", "server.operator_socket_mode", operatorSocketMode),
            ("database", "server.database", database),
            ("database-password-file", "server.database_password_file", databasePasswordFile), ("exit-when-idle", "server.exit_when_idle", exitWhenIdle),
            ("log-level", "logging.level", logLevel), ("log-format", "logging.format", logFormat),
            ("max-frame-bytes", "limits.max_frame_bytes", maxFrameBytes), ("max-connections", "limits.max_connections", maxConnections),
            ("max-connections-per-peer", "limits.max_connections_per_peer", maxConnectionsPerPeer),
            ("max-concurrent-calls", "limits.max_concurrent_calls", maxConcurrentCalls),
            ("max-inflight-request-bytes", "limits.max_inflight_request_bytes", maxInflightRequestBytes),
            ("max-buffered-bytes-per-peer", "limits.max_buffered_bytes_per_peer", maxBufferedBytesPerPeer), ("frame-timeout", "limits.frame_timeout", frameTimeout),
            ("idle-timeout", "limits.idle_timeout", idleTimeout), ("shutdown-grace-period", "limits.shutdown_grace_period", shutdownGracePeriod),
            ("session-idle-timeout", "sessions.idle_timeout", sessionIdleTimeout), ("session-lifetime", "sessions.lifetime", sessionLifetime),
            ("max-sessions", "sessions.max_per_registration", maxSessions), ("session-flush-interval", "sessions.flush_interval", sessionFlushInterval),
            ("lockout-threshold", "lockout.threshold", lockoutThreshold), ("lockout-duration", "lockout.duration", lockoutDuration),
            ("activation-validity", "passwords.activation_validity", activationValidity), ("password-min-length", "passwords.min_length", passwordMinLength),
            ("argon2-memory-kib", "argon2.memory_kib", argon2MemoryKiB), ("argon2-iterations", "argon2.iterations", argon2Iterations),
            ("argon2-parallelism", "argon2.parallelism", argon2Parallelism), ("hashing-threads", "argon2.threads", hashingThreads),
            ("recovery-validity", "passwords.recovery_validity", recoveryValidity),
            ("cracklib-dictionary", "passwords.cracklib_dictionary", cracklibDictionary),
            ("password-blocklist-file", "passwords.blocklist_file", passwordBlocklistFile),
            ("totp-issuer", "second_factor.issuer", totpIssuer), ("second-factor-key-file", "second_factor.key_file", secondFactorKeyFile),
            ("audit-retention-days", "audit.retention_days", auditRetentionDays),
        ]
        return all.compactMap { flag, key, value in value.map { (flag, key, $0) } }
    }

    /// Defaults, then the file, then the state directory, then the flags.
    func loadConfiguration() throws -> DaemonConfiguration {
        var configuration = DaemonConfiguration()
        let path = config ?? DaemonConfiguration.defaultConfigPath
        if config != nil || FileManager.default.fileExists(atPath: path) {
            try ConfigurationKeys.apply(file: path, to: &configuration)
        }
        if let stateDirectory { configuration.useStateDirectory(stateDirectory) }
        for (flag, key, value) in overrides {
            do {
                try ConfigurationKeys.apply(key, text: value, to: &configuration)
            } catch {
                throw ValidationError("--\(flag): \(error.description)")
            }
        }
        if !operatorUIDs.isEmpty { configuration.operatorUIDs = Set(operatorUIDs) }
        if !secondFactorProfiles.isEmpty {
            do {
                try ConfigurationKeys.apply("second_factor.required_profiles", texts: secondFactorProfiles, to: &configuration)
            } catch {
                throw ValidationError("--second-factor-profile: \(error.description)")
            }
        }
        guard configuration.auth.argon2.isWithinBounds else { throw ValidationError("Argon2 memory must be at least 8 KiB per lane") }
        return configuration
    }

    func validate() throws {
        _ = try loadConfigurationReportingErrors()
    }

    func loadConfigurationReportingErrors() throws -> DaemonConfiguration {
        do {
            return try loadConfiguration()
        } catch let error as ConfigurationKeys.Error {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        var configuration = try loadConfigurationReportingErrors()
        if printConfig {
            print(ConfigurationKeys.render(configuration), terminator: "")
            return
        }
        let levelControl = LogLevelControl(configuration.logLevel)
        (LogFormat(rawValue: configuration.logFormat) ?? .auto).bootstrap(control: levelControl)
        let logger = Logger(label: "webprofiled")

        do {
            configuration.inheritedDescriptors = try SocketActivation.listeningSockets()
        } catch {
            logger.critical("refusing to start: \(error)")
            throw ExitCode.failure
        }
        if let inherited = configuration.inheritedDescriptors {
            for name in ["api", "operator"] where inherited[name] == nil {
                logger.critical("refusing to start: socket activation passed no socket named \"\(name)\" (got \(inherited.keys.sorted().joined(separator: ", ")); set FileDescriptorName=)")
                throw ExitCode.failure
            }
        }

        let notifier = SystemdNotifier()
        let command = self
        let inherited = configuration.inheritedDescriptors
        let hooks = WebProfilesDaemon.Hooks(
            loadConfiguration: {
                var reloaded = try command.loadConfiguration()
                reloaded.inheritedDescriptors = inherited
                return reloaded
            },
            willReload: { notifier.reloading() },
            didReload: { applied in
                levelControl.level = applied.logLevel
                notifier.notify("READY=1")
            }
        )
        let daemon: WebProfilesDaemon
        do {
            daemon = try WebProfilesDaemon(configuration: configuration, hooks: hooks, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode.failure
        }
        let notifications = ServiceManagerNotifications(
            notifier: notifier,
            ready: { try await daemon.server.waitUntilReady() },
            status: { daemon.statusLine },
            healthCheck: { try await daemon.healthCheck() },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(
            services: daemon.services + [.init(service: notifications)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        ))
        logger.info("starting", metadata: [
            "version": "\(webProfilesVersion)", "database": "\(configuration.databasePath)",
            "socket_activation": "\(configuration.inheritedDescriptors != nil)",
        ])
        do {
            try await group.run()
        } catch {
            logger.critical("stopped on error: \(error)")
            throw ExitCode.failure
        }
    }
}
