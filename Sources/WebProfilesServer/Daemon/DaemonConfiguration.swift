import WebProfilesTransport

/// Everything the daemon needs to start, with the documented defaults.
public struct DaemonConfiguration: Sendable {
    /// Default path of the public API socket.
    public static let defaultSocketPath = "/run/webprofiled/webprofiled.sock"
    /// Default path of the operator socket.
    public static let defaultOperatorSocketPath = "/run/webprofiled/operator.sock"
    /// Default path of the database.
    public static let defaultDatabasePath = "/var/lib/webprofiled/webprofiled.sqlite"

    /// The public API listener (path and mode 0660, or an inherited descriptor).
    public var apiListener: ListenerConfiguration.Source = .path(defaultSocketPath, mode: 0o660)
    /// The operator listener (path and mode 0600, or an inherited descriptor).
    public var operatorListener: ListenerConfiguration.Source = .path(defaultOperatorSocketPath, mode: 0o600)
    /// Peer uids allowed on the operator socket; empty means root and the daemon's own uid.
    public var operatorUIDs: Set<UInt32> = []
    /// SQLite database file.
    public var databasePath: String = defaultDatabasePath
    /// Per-connection and per-listener limits.
    public var limits = ConnectionLimits()
    /// Sessions, lockout, password policy and hashing.
    public var auth = AuthConfiguration()

    public init() {}
}
