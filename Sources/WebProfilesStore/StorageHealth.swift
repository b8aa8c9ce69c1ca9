import Foundation
import Synchronization

/// Whether the database works, as the last storage operations found: `Health/Check`, the
/// service manager's status line and the journal report it.
///
/// A storage fault (full disk, read-only database, a lock held by another process, an I/O
/// error) makes it unavailable, and the next successful write (a caller's, or the storage
/// probe's) makes it ok again. Corruption (data loss) stays until the database is opened anew:
/// a write that happens to succeed does not prove the file sound.
package final class StorageHealth: Sendable {
    package enum State: Sendable, Hashable, CustomStringConvertible {
        case ok
        /// Writes (or all access) fail for a reason that may pass: disk full, read-only, locked, I/O.
        case unavailable(String)
        /// The database is corrupt.
        case dataLoss(String)

        package var description: String {
            switch self {
            case .ok: "ok"
            case .unavailable(let reason): "unavailable: \(reason)"
            case .dataLoss(let reason): "data loss: \(reason)"
            }
        }
    }

    private let current = Mutex<State>(.ok)
    /// Told of every change of state (the daemon logs it to the journal).
    private let onChange: @Sendable (State, State) -> Void
    /// Told of every failed operation, with the state it leads to (the daemon counts them).
    private let onFailure: @Sendable (State) -> Void

    package init(onChange: @escaping @Sendable (_ old: State, _ new: State) -> Void = { _, _ in },
                 onFailure: @escaping @Sendable (_ new: State) -> Void = { _ in }) {
        self.onChange = onChange
        self.onFailure = onFailure
    }

    package var state: State { current.withLock { $0 } }

    func failed(_ error: StoreError) {
        let new: State = error.code == .dataLoss ? .dataLoss(error.message) : .unavailable(error.message)
        onFailure(new)
        transition(to: new)
    }

    /// A read or write succeeded: only a write proves the database takes writes again, and
    /// nothing but opening it again clears data loss.
    func succeeded(write: Bool) {
        guard write else { return }
        let old = current.withLock { state -> State? in
            if case .dataLoss = state { return nil }
            defer { state = .ok }
            return state
        }
        if let old, old != .ok { onChange(old, .ok) }
    }

    /// The database was opened (again) and migrated: whatever failed before is past.
    func reopened() {
        transition(to: .ok)
    }

    private func transition(to new: State) {
        let old = current.withLock { state -> State in
            defer { state = new }
            return state
        }
        if old != new { onChange(old, new) }
    }
}
