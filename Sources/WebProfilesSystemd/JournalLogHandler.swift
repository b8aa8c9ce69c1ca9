#if canImport(Glibc)
import Glibc
#endif
import CSystemd
import Logging

/// A swift-log handler writing native journal entries with `sd_journal_sendv`.
///
/// Every entry has MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_FILE, CODE_LINE, CODE_FUNC and one
/// field per metadata key (``JournalFields/name(for:)``). Values are sent as given; nothing is
/// dropped.
package struct JournalLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level
    package var metadataProvider: Logger.MetadataProvider?
    private let identifier: String
    private let label: String

    package init(label: String, identifier: String = "webprofiled", logLevel: Logger.Level = .info) {
        self.label = label
        self.identifier = identifier
        self.logLevel = logLevel
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields: [String] = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(JournalFields.priority(event.level.rawValue))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
            "\(JournalFields.prefix)LOGGER=\(label)",
        ]
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            fields.append("\(JournalFields.name(for: key))=\(value)")
        }
        Self.send(fields)
    }

    /// Sends `FIELD=value` strings as one entry (values may contain newlines: the journal
    /// protocol carries them as binary-safe fields through iovecs).
    static func send(_ fields: [String]) {
        let buffers = fields.map { Array($0.utf8) }
        var pointers: [UnsafeMutableRawPointer] = []
        pointers.reserveCapacity(buffers.count)
        for buffer in buffers {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: max(1, buffer.count), alignment: 1)
            buffer.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: buffer.count) }
            pointers.append(memory)
        }
        defer { pointers.forEach { $0.deallocate() } }
        var vectors = zip(pointers, buffers).map { iovec(iov_base: $0.0, iov_len: $0.1.count) }
        _ = sd_journal_sendv(&vectors, Int32(vectors.count))
    }
}
