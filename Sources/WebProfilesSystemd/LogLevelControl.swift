import Logging
import Synchronization

/// The daemon's log level, shared by its log handlers so a reload changes it everywhere at once.
package final class LogLevelControl: Sendable {
    private let raw: Atomic<Int>
    private static let levels = Logger.Level.allCases

    package init(_ level: Logger.Level) {
        raw = Atomic(Self.levels.firstIndex(of: level)!)
    }

    package var level: Logger.Level {
        get { Self.levels[raw.load(ordering: .relaxed)] }
        set { raw.store(Self.levels.firstIndex(of: newValue)!, ordering: .relaxed) }
    }
}
