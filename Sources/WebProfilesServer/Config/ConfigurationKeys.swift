import WebProfilesWire
import Foundation
import Logging
import WebProfilesDomain
import WebProfilesStore
import WebProfilesTransport

/// Every setting, named once: `table.key` in the configuration file, with how to apply and
/// print it. Command-line flags apply through the same keys, so file and flags validate alike.
package enum ConfigurationKeys {
    /// A refused setting: the key, where it came from and why.
    package struct Error: Swift.Error, CustomStringConvertible {
        package var description: String
    }

    struct Key: Sendable {
        var name: String
        var help: String
        var apply: @Sendable (inout DaemonConfiguration, TOMLDocument.Value) throws(Error) -> Void
        var render: @Sendable (DaemonConfiguration) -> TOMLDocument.Value
        /// Whether a reload (SIGHUP) can change it; the others need a restart.
        var reloadable: Bool
    }

    static func seconds(_ d: Duration) -> TOMLDocument.Value {
        let s = d.timeInterval
        return s == s.rounded() ? .integer(Int64(s)) : .float(s)
    }

    static func number(_ value: TOMLDocument.Value, _ key: String, _ range: ClosedRange<Double>) throws(Error) -> Double {
        let n: Double
        switch value {
        case .integer(let i): n = Double(i)
        case .float(let d): n = d
        default: throw Error(description: "\(key) must be a number")
        }
        guard range.contains(n) else { throw Error(description: "\(key) must be between \(range.lowerBound) and \(range.upperBound)") }
        return n
    }

    static func integer(_ value: TOMLDocument.Value, _ key: String, _ range: ClosedRange<Int64>) throws(Error) -> Int64 {
        guard case .integer(let i) = value else { throw Error(description: "\(key) must be an integer") }
        guard range.contains(i) else { throw Error(description: "\(key) must be between \(range.lowerBound) and \(range.upperBound)") }
        return i
    }

    static func string(_ value: TOMLDocument.Value, _ key: String) throws(Error) -> String {
        guard case .string(let s) = value, !s.isEmpty else { throw Error(description: "\(key) must be a non-empty string") }
        return s
    }

    static func mode(_ value: TOMLDocument.Value, _ key: String) throws(Error) -> UInt32 {
        guard case .string(let s) = value, let m = UInt32(s, radix: 8), m <= 0o777 else {
            throw Error(description: "\(key) must be an octal mode in quotes, such as \"0660\"")
        }
        return m
    }

    static func duration(_ key: String, _ help: String, _ range: ClosedRange<Double>, reloadable: Bool = true,
                         _ path: any WritableKeyPath<DaemonConfiguration, Duration> & Sendable) -> Key {
        Key(name: key, help: help, apply: { config, value throws(Error) in
            config[keyPath: path] = .seconds(try number(value, key, range))
        }, render: { seconds($0[keyPath: path]) }, reloadable: reloadable)
    }

    static func int(_ key: String, _ help: String, _ range: ClosedRange<Int64>, reloadable: Bool = true,
                    _ path: any WritableKeyPath<DaemonConfiguration, Int> & Sendable) -> Key {
        Key(name: key, help: help, apply: { config, value throws(Error) in
            config[keyPath: path] = Int(try integer(value, key, range))
        }, render: { .integer(Int64($0[keyPath: path])) }, reloadable: reloadable)
    }

    /// A path setting where "" means none.
    static func optionalPath(_ key: String, _ help: String, _ path: any WritableKeyPath<DaemonConfiguration, String?> & Sendable) -> Key {
        Key(name: key, help: help, apply: { config, value throws(Error) in
            guard case .string(let text) = value else { throw Error(description: "\(key) must be a string (\"\" for none)") }
            config[keyPath: path] = text.isEmpty ? nil : text
        }, render: { .string($0[keyPath: path] ?? "") }, reloadable: false)
    }

    static let all: [Key] = [
        Key(name: "server.socket", help: "path of the API socket (when not socket-activated)", apply: { c, v throws(Error) in c.socketPath = try string(v, "server.socket") },
            render: { .string($0.socketPath) }, reloadable: false),
        Key(name: "server.socket_mode", help: "permissions of the API socket file", apply: { c, v throws(Error) in c.socketMode = try mode(v, "server.socket_mode") },
            render: { .string("0" + String($0.socketMode, radix: 8)) }, reloadable: false),
        Key(name: "server.operator_socket", help: "path of the operator socket", apply: { c, v throws(Error) in c.operatorSocketPath = try string(v, "server.operator_socket") },
            render: { .string($0.operatorSocketPath) }, reloadable: false),
        Key(name: "server.operator_socket_mode", help: "permissions of the operator socket file", apply: { c, v throws(Error) in c.operatorSocketMode = try mode(v, "server.operator_socket_mode") },
            render: { .string("0" + String($0.operatorSocketMode, radix: 8)) }, reloadable: false),
        Key(name: "server.operator_uids", help: "uids allowed on the operator socket ([] = root and the daemon's uid)", apply: { c, v throws(Error) in
            guard case .array(let items) = v else { throw Error(description: "server.operator_uids must be an array of uids") }
            var uids = Set<UInt32>()
            for item in items { uids.insert(UInt32(try integer(item, "server.operator_uids", 0...Int64(UInt32.max - 1)))) }
            c.operatorUIDs = uids
        }, render: { .array($0.operatorUIDs.sorted().map { .integer(Int64($0)) }) }, reloadable: true),
        Key(name: "server.database", help: "SQLite database file, or a postgresql:// URI (libpq form, no password) of a database shared by several daemons", apply: { c, v throws(Error) in
            let database = try string(v, "server.database")
            if PostgresURI.isURI(database) {
                do { _ = try PostgresURI(database) } catch { throw Error(description: "server.database: \(error)") }
            }
            c.databasePath = database
        }, render: { .string($0.databasePath) }, reloadable: false),
        optionalPath("server.database_password_file", "file holding the PostgreSQL password (\"\" = none; the systemd credential database-password wins)", \.databasePasswordFile),
        Key(name: "server.exit_when_idle", help: "seconds without connections before exiting (0 = never)", apply: { c, v throws(Error) in
            let s = try number(v, "server.exit_when_idle", 0...86_400)
            c.exitWhenIdle = s == 0 ? nil : .seconds(s)
        }, render: { $0.exitWhenIdle.map(seconds) ?? .integer(0) }, reloadable: false),
        Key(name: "logging.level", help: "trace, debug, info, notice, warning, error or critical", apply: { c, v throws(Error) in
            guard let level = Logger.Level(rawValue: try string(v, "logging.level")) else {
                throw Error(description: "logging.level must be one of trace, debug, info, notice, warning, error, critical")
            }
            c.logLevel = level
        }, render: { .string($0.logLevel.rawValue) }, reloadable: true),
        Key(name: "logging.format", help: "auto, journal, text or json", apply: { c, v throws(Error) in
            let format = try string(v, "logging.format")
            guard ["auto", "journal", "text", "json"].contains(format) else { throw Error(description: "logging.format must be auto, journal, text or json") }
            c.logFormat = format
        }, render: { .string($0.logFormat) }, reloadable: false),
        int("limits.max_frame_bytes", "largest accepted frame length field", 1024...(64 << 20), \.limits.maxFrameBytes),
        int("limits.max_connections", "connections each socket holds at once", 1...100_000, \.limits.maxConnections),
        int("limits.max_connections_per_peer", "connections one peer uid may hold on the API socket", 1...100_000, \.limits.maxConnectionsPerPeer),
        int("limits.max_concurrent_calls", "calls one connection may have in flight", 1...100_000, \.limits.maxConcurrentCalls),
        int("limits.max_inflight_request_bytes", "bytes the running calls of one connection may hold", 64 << 10...(256 << 20), \.limits.maxInFlightRequestBytes),
        int("limits.max_buffered_bytes_per_peer", "bytes all connections of one peer uid may hold", 1 << 20...(4 << 30), \.limits.maxBufferedBytesPerPeer),
        duration("limits.frame_timeout", "seconds a started frame may take to arrive", 0.001...3600, \.limits.frameTimeout),
        duration("limits.idle_timeout", "seconds without traffic before a connection is closed", 0.001...86_400, \.limits.idleTimeout),
        duration("limits.shutdown_grace_period", "seconds in-flight calls get on shutdown", 0.001...3600, \.limits.shutdownGracePeriod),
        duration("sessions.idle_timeout", "seconds an unused session lives", 1...86_400, \.auth.sessionIdleTimeout),
        duration("sessions.lifetime", "seconds a session lives at most", 1...(30 * 86_400), \.auth.sessionLifetime),
        int("sessions.max_per_registration", "live sessions per registration", 1...1000, \.auth.maxSessionsPerRegistration),
        duration("sessions.flush_interval", "seconds between writes of session use", 0.1...3600, \.auth.sessionFlushInterval),
        int("lockout.threshold", "consecutive failed logins that lock a registration", 1...100, \.auth.lockoutThreshold),
        duration("lockout.duration", "seconds a lockout lasts", 1...(30 * 86_400), \.auth.lockoutDuration),
        duration("passwords.activation_validity", "seconds an activation code stays valid", 1...(30 * 86_400), \.auth.activationValidity),
        Key(name: "passwords.min_length", help: "minimum password length in characters", apply: { c, v throws(Error) in
            c.auth.passwordPolicy = PasswordPolicy(minimumCharacters: Int(try integer(v, "passwords.min_length", 1...256)))
        }, render: { .integer(Int64($0.auth.passwordPolicy.minimumCharacters)) }, reloadable: true),
        duration("passwords.recovery_validity", "seconds a recovery code stays valid", 60...(7 * 86_400), \.auth.recoveryValidity),
        optionalPath("passwords.cracklib_dictionary", "cracklib dictionary new passwords are checked against (\"\" = none)", \.cracklibDictionary),
        optionalPath("passwords.blocklist_file", "file of refused passwords, one per line (\"\" = none)", \.blocklistFile),
        Key(name: "argon2.memory_kib", help: "Argon2id memory cost in KiB", apply: { c, v throws(Error) in
            c.auth.argon2.memoryKiB = UInt32(try integer(v, "argon2.memory_kib", Int64(Argon2Parameters.memoryBounds.lowerBound)...Int64(Argon2Parameters.memoryBounds.upperBound)))
        }, render: { .integer(Int64($0.auth.argon2.memoryKiB)) }, reloadable: true),
        Key(name: "argon2.iterations", help: "Argon2id time cost", apply: { c, v throws(Error) in
            c.auth.argon2.iterations = UInt32(try integer(v, "argon2.iterations", Int64(Argon2Parameters.iterationBounds.lowerBound)...Int64(Argon2Parameters.iterationBounds.upperBound)))
        }, render: { .integer(Int64($0.auth.argon2.iterations)) }, reloadable: true),
        Key(name: "argon2.parallelism", help: "Argon2id lanes", apply: { c, v throws(Error) in
            c.auth.argon2.parallelism = UInt32(try integer(v, "argon2.parallelism", Int64(Argon2Parameters.parallelismBounds.lowerBound)...Int64(Argon2Parameters.parallelismBounds.upperBound)))
        }, render: { .integer(Int64($0.auth.argon2.parallelism)) }, reloadable: true),
        int("argon2.threads", "threads that hash passwords", 1...256, reloadable: false, \.auth.hashingThreads),
        Key(name: "second_factor.required_profiles", help: "profiles whose holders must enrol a second factor", apply: { c, v throws(Error) in
            guard case .array(let items) = v else { throw Error(description: "second_factor.required_profiles must be an array of profile names") }
            var profiles = Set<Profile>()
            for item in items {
                guard case .string(let name) = item, let profile = Profile(rawValue: name) else {
                    throw Error(description: "second_factor.required_profiles: each entry must be one of \(Profile.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                profiles.insert(profile)
            }
            c.auth.secondFactorRequiredProfiles = profiles
        }, render: { c in .array(Profile.allCases.filter { c.auth.secondFactorRequiredProfiles.contains($0) }.map { .string($0.rawValue) }) }, reloadable: true),
        Key(name: "second_factor.issuer", help: "the name authenticator apps show", apply: { c, v throws(Error) in
            let issuer = try string(v, "second_factor.issuer")
            guard issuer.utf8.count <= 64, !issuer.contains(":") else { throw Error(description: "second_factor.issuer must be at most 64 bytes, without \":\"") }
            c.auth.totpIssuer = issuer
        }, render: { .string($0.auth.totpIssuer) }, reloadable: true),
        optionalPath("second_factor.key_file", "key encrypting second-factor secrets (\"\" = secondfactor.key beside the database)", \.secondFactorKeyPath),
        Key(name: "audit.retention_days", help: "days audit events stay in the database (0 = forever; journald keeps its copy)", apply: { c, v throws(Error) in
            let days = try integer(v, "audit.retention_days", 0...36_500)
            c.auth.auditRetention = days == 0 ? nil : .seconds(Double(days) * 86_400)
        }, render: { .integer(Int64(($0.auth.auditRetention?.timeInterval ?? 0) / 86_400)) }, reloadable: true),
    ]

    static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Applies one setting given as text (a command-line flag), read as the type the setting has.
    package static func apply(_ name: String, text: String, to config: inout DaemonConfiguration) throws(Error) {
        guard let key = byName[name] else { throw Error(description: "unknown setting \(name)") }
        let value: TOMLDocument.Value
        switch key.render(DaemonConfiguration()) {
        case .string:
            value = .string(text)
        case .integer, .float:
            if let i = Int64(text) { value = .integer(i) } else if let d = Double(text), d.isFinite { value = .float(d) } else {
                throw Error(description: "\(name) must be a number, not \"\(text)\"")
            }
        case .bool:
            guard text == "true" || text == "false" else { throw Error(description: "\(name) must be true or false") }
            value = .bool(text == "true")
        case .array:
            throw Error(description: "\(name) cannot be given as one value")
        }
        try key.apply(&config, value)
    }

    /// Applies an array setting given as several values (a repeatable flag), as strings.
    package static func apply(_ name: String, texts: [String], to config: inout DaemonConfiguration) throws(Error) {
        guard let key = byName[name] else { throw Error(description: "unknown setting \(name)") }
        try key.apply(&config, .array(texts.map { .string($0) }))
    }

    /// Applies every setting of a configuration file.
    package static func apply(file path: String, to config: inout DaemonConfiguration) throws(Error) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Error(description: "cannot read \(path): \(error.localizedDescription)")
        }
        let document: TOMLDocument
        do {
            document = try TOMLDocument(parsing: text)
        } catch {
            throw Error(description: "\(path): \(error)")
        }
        for (name, entry) in document.entries.sorted(by: { $0.value.line < $1.value.line }) {
            guard let key = byName[name] else { throw Error(description: "\(path): line \(entry.line): unknown setting \(name)") }
            do {
                try key.apply(&config, entry.value)
            } catch {
                throw Error(description: "\(path): line \(entry.line): \(error.description)")
            }
        }
        guard config.auth.argon2.isWithinBounds else {
            throw Error(description: "\(path): Argon2 memory must be at least 8 KiB per lane")
        }
    }

    /// The configuration as a file, with a comment per setting.
    package static func render(_ config: DaemonConfiguration) -> String {
        var out = "# Effective configuration of webprofiled \(config.inheritedDescriptors == nil ? "" : "(sockets passed by systemd)")\n"
        var table = ""
        for key in all {
            let parts = key.name.split(separator: ".")
            if parts[0] != table {
                table = String(parts[0])
                out += "\n[\(table)]\n"
            }
            out += "# \(key.help)\(key.reloadable ? "" : " (restart to change)")\n\(parts[1]) = \(key.render(config))\n"
        }
        return out
    }

    /// `running` with every reloadable setting taken from `file`; the others keep their running
    /// values (so they keep differing from the file, and being reported, until a restart).
    package static func reloading(_ running: DaemonConfiguration, from file: DaemonConfiguration) -> DaemonConfiguration {
        var applied = running
        for key in all where key.reloadable {
            // The file's value was validated when the file was read: it applies again.
            try? key.apply(&applied, key.render(file))
        }
        return applied
    }

    /// The settings that differ between two configurations and cannot change without a restart.
    package static func restartOnlyChanges(from old: DaemonConfiguration, to new: DaemonConfiguration) -> [String] {
        all.filter { !$0.reloadable && $0.render(old) != $0.render(new) }.map(\.name)
    }
}
