import Foundation
import Logging
import WebProfilesDomain
import WebProfilesStore
import WebProfilesTransport

/// Everything the daemon needs to start, with the documented defaults.
///
/// Built in layers: these defaults, then the configuration file, then `--state-accounts`, then
/// command-line flags (``ConfigurationKeys`` names every setting the same way in the file and
/// for the flags).
package struct DaemonConfiguration: Sendable {
    /// Default path of the configuration file.
    package static let defaultConfigPath = "/etc/webprofiled/webprofiled.toml"

    package var socketPath = "/run/webprofiled/webprofiled.sock"
    package var socketMode: UInt32 = 0o660
    package var operatorSocketPath = "/run/webprofiled/operator.sock"
    package var operatorSocketMode: UInt32 = 0o600
    /// Peer uids allowed on the operator socket; empty means root and the daemon's own uid.
    package var operatorUIDs: Set<UInt32> = []
    /// SQLite database file, or the `postgresql://` URI of a database several daemons share.
    package var databasePath = "/var/lib/webprofiled/webprofiled.sqlite"
    /// The file holding the PostgreSQL password (nil: none, or the systemd credential).
    package var databasePasswordFile: String?
    package var logLevel: Logger.Level = .info
    /// `auto`, `journal`, `text` or `json`.
    package var logFormat = "auto"
    /// Stop after this long without connections (socket activation starts the daemon again).
    package var exitWhenIdle: Duration?
    /// Per-connection and per-listener limits.
    package var limits = ConnectionLimits()
    /// Sessions, lockout, password policy and hashing.
    package var auth = AuthConfiguration()
    /// The cracklib dictionary new passwords are checked against (nil: none).
    package var cracklibDictionary: String? = CrackLibBlocklist.defaultDictionary
    /// A file of refused passwords, one per line (nil: none).
    package var blocklistFile: String?
    /// The key encrypting second-factor secrets (nil: `secondfactor.key` beside the database;
    /// a systemd credential of that name wins).
    package var secondFactorKeyPath: String?
    /// Listening descriptors passed by socket activation, by name (`api`, `operator`).
    package var inheritedDescriptors: [String: Int32]?

    package init() {}

    /// Points the sockets and the database into `accounts` (for running from a checkout); a
    /// shared PostgreSQL database stays where it is.
    package mutating func useStateDirectory(_ accounts: String) {
        let dir = accounts.hasSuffix("/") ? String(accounts.dropLast()) : accounts
        socketPath = "\(dir)/webprofiled.sock"
        operatorSocketPath = "\(dir)/operator.sock"
        if !usesSharedDatabase { databasePath = "\(dir)/webprofiled.sqlite" }
        stateDirectory = dir
    }

    /// The folder `--state-directory` named, if any.
    package var stateDirectory: String?

    /// Whether the database is a PostgreSQL one other daemons share.
    package var usesSharedDatabase: Bool { PostgresURI.isURI(databasePath) }

    /// Where the second-factor key is read (and, for a database of this daemon's own, made at
    /// first start): the configured file, else beside the SQLite database. Daemons sharing a
    /// PostgreSQL database must share the key too, so they get no default.
    var effectiveSecondFactorKeyPath: String? {
        if let secondFactorKeyPath { return secondFactorKeyPath }
        guard !usesSharedDatabase else { return nil }
        return (databasePath as NSString).deletingLastPathComponent + "/" + SecretBox.keyName
    }

    var apiListener: ListenerConfiguration.Source {
        inheritedDescriptors?["api"].map { .descriptor($0) } ?? .path(socketPath, mode: socketMode)
    }

    var operatorListener: ListenerConfiguration.Source {
        inheritedDescriptors?["operator"].map { .descriptor($0) } ?? .path(operatorSocketPath, mode: operatorSocketMode)
    }
}
