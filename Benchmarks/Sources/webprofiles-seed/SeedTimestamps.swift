import Foundation
import GRDB

/// The timestamps rows are given, formatted once as GRDB stores a `Date` (the same TEXT the
/// daemon's records write), because formatting a date per column would dominate the run.
///
/// History is a whole number of days before ``now``; sessions were created at one of
/// ``sessionSlots`` moments of the last hour (at most half their lifetime ago), so every seeded
/// session is live at the end of the run.
struct SeedTimestamps: Sendable {
    /// Days of history (companies are one to two years old).
    static let historyDays = 730
    /// Distinct session creation times.
    static let sessionSlots = 60

    let now: Date
    /// `days[d]`: `d` days before `now`.
    let days: [DatabaseValue]
    /// `activationExpiries[d]`: `days[d]` plus the activation validity.
    let activationExpiries: [DatabaseValue]
    /// `sessionCreated[i]`: the creation (and login) time of sessions in slot `i`.
    let sessionCreated: [DatabaseValue]
    /// `sessionExpires[i]`: `sessionCreated[i]` plus the session lifetime.
    let sessionExpires: [DatabaseValue]

    init(now: Date, sessionLifetime: TimeInterval, activationValidity: TimeInterval) {
        self.now = now
        let dayDates = (0..<Self.historyDays).map { now.addingTimeInterval(-Double($0) * 86_400) }
        days = dayDates.map(\.databaseValue)
        activationExpiries = dayDates.map { $0.addingTimeInterval(activationValidity).databaseValue }
        let window = min(3_600, sessionLifetime / 2)
        let created = (0..<Self.sessionSlots).map { now.addingTimeInterval(-window * Double($0) / Double(Self.sessionSlots)) }
        sessionCreated = created.map(\.databaseValue)
        sessionExpires = created.map { $0.addingTimeInterval(sessionLifetime).databaseValue }
    }

    /// The session slot of registration `index`.
    static func sessionSlot(ofRegistration index: Int) -> Int { index % sessionSlots }
}
