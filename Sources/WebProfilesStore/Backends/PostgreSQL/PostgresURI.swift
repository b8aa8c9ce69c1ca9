import Foundation

/// A PostgreSQL connection URI in libpq's form, the part of it webprofiled uses:
/// `postgresql://[user@][host][:port][/dbname][?param=value&…]`, where `host` may be a Unix
/// socket directory given as the `host` parameter (`?host=/run/postgresql`) or percent-encoded
/// in the authority, as libpq allows. Parameters: `host`, `port`, `user`, `dbname`, `sslmode`
/// (`disable`, `prefer`, `require`, `verify-full`), `application_name`. A password in the URI is
/// refused: it would show in `ps` and in the configuration; it comes from a file or a systemd
/// credential instead.
package struct PostgresURI: Sendable, Hashable, CustomStringConvertible {
    package enum Endpoint: Sendable, Hashable {
        /// A Unix socket directory (the socket is `<directory>/.s.PGSQL.<port>`).
        case socketDirectory(String)
        case tcp(host: String)
    }

    package enum SSLMode: String, Sendable, Hashable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    package var endpoint: Endpoint
    package var port: Int
    package var user: String
    package var database: String
    package var sslMode: SSLMode
    package var applicationName: String?

    package struct Error: Swift.Error, CustomStringConvertible {
        package var description: String
    }

    /// Whether `text` is meant as a PostgreSQL URI (rather than a SQLite path).
    package static func isURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    package init(_ text: String) throws(Error) {
        guard Self.isURI(text), text.utf8.count <= 4096 else {
            throw Error(description: "not a postgresql:// URI")
        }
        let rest = text.hasPrefix("postgresql://") ? String(text.dropFirst(13)) : String(text.dropFirst(11))
        let (beforeQuery, query) = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).map(String.init).pair
        let (authority, path) = beforeQuery.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init).pair
        var user: String?
        var hostPart = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = String(authority[..<at])
            hostPart = String(authority[authority.index(after: at)...])
            guard !userInfo.contains(":") else {
                throw Error(description: "the URI holds a password: give it in a file (server.database_password_file) or a systemd credential instead")
            }
            user = try Self.decode(userInfo, "user")
        }
        var host: String?
        var port: Int?
        if !hostPart.isEmpty {
            if hostPart.hasPrefix("[") {
                guard let close = hostPart.firstIndex(of: "]") else { throw Error(description: "unterminated [ in the host") }
                host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
                let after = hostPart[hostPart.index(after: close)...]
                if after.hasPrefix(":") { port = Int(after.dropFirst()) ?? -1 }
            } else if let colon = hostPart.lastIndex(of: ":") {
                host = try Self.decode(String(hostPart[..<colon]), "host")
                port = Int(hostPart[hostPart.index(after: colon)...]) ?? -1
            } else {
                host = try Self.decode(hostPart, "host")
            }
        }
        var database = path.isEmpty ? nil : try Self.decode(path, "dbname")
        var sslMode = SSLMode.prefer
        var applicationName: String?
        if !query.isEmpty {
            for pair in query.split(separator: "&") {
                let (key, value) = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init).pair
                let decoded = try Self.decode(value, key)
                switch key {
                case "host": host = decoded
                case "port": port = Int(decoded) ?? -1
                case "user": user = decoded
                case "dbname": database = decoded
                case "sslmode":
                    guard let mode = SSLMode(rawValue: decoded) else {
                        throw Error(description: "sslmode must be disable, prefer, require or verify-full, not \(decoded)")
                    }
                    sslMode = mode
                case "application_name": applicationName = decoded
                case "password": throw Error(description: "the URI holds a password: give it in a file (server.database_password_file) or a systemd credential instead")
                case "connect_timeout", "options": throw Error(description: "the URI parameter \(key) is not supported")
                default: throw Error(description: "unknown URI parameter \(key)")
                }
            }
        }
        let resolvedPort = port ?? 5432
        guard (1...65535).contains(resolvedPort) else { throw Error(description: "the port must be 1 to 65535") }
        let endpointHost = host ?? "/run/postgresql"
        endpoint = endpointHost.hasPrefix("/") ? .socketDirectory(endpointHost) : .tcp(host: endpointHost)
        self.port = resolvedPort
        guard let user, !user.isEmpty else { throw Error(description: "the URI names no user") }
        self.user = user
        self.database = database ?? user
        self.sslMode = sslMode
        self.applicationName = applicationName
    }

    private static func decode(_ text: String, _ what: String) throws(Error) -> String {
        guard let decoded = text.removingPercentEncoding else { throw Error(description: "bad percent-encoding in \(what)") }
        return decoded
    }

    /// The socket file, for a Unix socket endpoint.
    package var socketPath: String? {
        guard case .socketDirectory(let directory) = endpoint else { return nil }
        return (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/.s.PGSQL.\(port)"
    }

    /// The URI without anything secret (it never holds a password), for logs.
    package var description: String {
        let host: String
        switch endpoint {
        case .socketDirectory(let directory): host = "?host=\(directory)"
        case .tcp(let name): host = name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)"
        }
        if case .socketDirectory = endpoint { return "postgresql://\(user)@/\(database)\(host)" }
        return "postgresql://\(user)@\(host)/\(database)?sslmode=\(sslMode.rawValue)"
    }
}

private extension Array where Element == String {
    /// The first two elements, the second "" when absent.
    var pair: (String, String) { (self.first ?? "", self.count > 1 ? self[1] : "") }
}
