#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Where and how the daemon logs (`--log-format`).
package enum LogFormat: String, CaseIterable, Sendable {
    /// The journal when standard error is connected to it (`JOURNAL_STREAM`), text otherwise.
    case auto
    /// Native journal entries with structured fields.
    case journal
    /// Human-readable lines on standard error.
    case text
    /// One JSON object per line on standard error.
    case json

    /// Resolves `auto` the way systemd documents: `JOURNAL_STREAM` names the device and inode
    /// of the stream standard error is connected to.
    package var resolved: LogFormat {
        guard self == .auto else { return self }
        guard let stream = getenvString("JOURNAL_STREAM") else { return .text }
        var info = stat()
        guard fstat(2, &info) == 0 else { return .text }
        return stream == "\(info.st_dev):\(info.st_ino)" ? .journal : .text
    }

    /// Installs the matching handler for every logger of the process.
    package func bootstrap(control: LogLevelControl) {
        let format = resolved
        LoggingSystem.bootstrap { label in
            switch format {
            case .journal: LevelControlled(JournalLogHandler(label: label), control: control)
            case .json: JSONLogHandler(label: label, control: control)
            default: LevelControlled(StreamLogHandler.standardError(label: label), control: control)
            }
        }
    }
}

/// Wraps a handler so its level follows a ``LogLevelControl``.
struct LevelControlled<Wrapped: LogHandler>: LogHandler {
    var wrapped: Wrapped
    let control: LogLevelControl

    init(_ wrapped: Wrapped, control: LogLevelControl) {
        self.wrapped = wrapped
        self.control = control
    }

    var logLevel: Logger.Level {
        get { control.level }
        set {}
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        wrapped.log(event: event)
    }
}
