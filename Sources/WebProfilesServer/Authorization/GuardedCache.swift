/// A map of cached values whose loads cannot bring back what an invalidation removed.
///
/// A load (a database read, then an insert) that raced with an invalidation of its key would
/// otherwise cache the value read before the change. Each load takes a ticket first; an
/// invalidation of the key while loads of it are in flight marks their tickets stale, and a stale
/// ticket inserts nothing. Only keys with loads in flight are tracked, so the bookkeeping stays as
/// small as the number of concurrent loads. Not thread-safe: its owner keeps it under a lock.
struct GuardedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// A load in progress of one key.
    struct Ticket: Sendable {
        /// The key being loaded.
        let key: Key
        fileprivate let invalidations: UInt64
    }

    private struct Loads: Sendable {
        var pending: Int
        var invalidations: UInt64
    }

    private(set) var values: [Key: Value] = [:]
    private var loads: [Key: Loads] = [:]

    subscript(key: Key) -> Value? { values[key] }

    var count: Int { values.count }

    /// Starts a load of `key`; pass the ticket to ``finishLoad(_:with:)`` whatever happens.
    mutating func beginLoad(_ key: Key) -> Ticket {
        let invalidations = loads[key]?.invalidations ?? 0
        loads[key, default: Loads(pending: 0, invalidations: 0)].pending += 1
        return Ticket(key: key, invalidations: invalidations)
    }

    /// Ends a load: caches `value` unless the key was invalidated since the ticket was taken.
    /// Returns whether the load is still current (no invalidation of the key overtook it): a
    /// current nil is not cached, but is a fresh answer all the same.
    @discardableResult
    mutating func finishLoad(_ ticket: Ticket, with value: Value?) -> Bool {
        guard var entry = loads[ticket.key] else { return false }
        let fresh = entry.invalidations == ticket.invalidations
        entry.pending -= 1
        loads[ticket.key] = entry.pending == 0 ? nil : entry
        guard fresh else { return false }
        if let value { values[ticket.key] = value }
        return true
    }

    /// Caches a value known to be current (written by the caller's own committed change).
    mutating func set(_ key: Key, _ value: Value) {
        values[key] = value
    }

    /// Updates a cached value in place, if there is one.
    mutating func modify(_ key: Key, _ body: (inout Value) -> Void) {
        guard var value = values[key] else { return }
        body(&value)
        values[key] = value
    }

    /// Forgets `key`, and makes the loads of it in flight insert nothing.
    @discardableResult
    mutating func invalidate(_ key: Key) -> Value? {
        loads[key]?.invalidations &+= 1
        return values.removeValue(forKey: key)
    }

    /// Makes every load in flight insert nothing, keeping what is cached (a change whose reach
    /// among the values is known, but not among the loads: a company's, for the accounts being
    /// loaded).
    mutating func invalidateLoadsInFlight() {
        for key in loads.keys { loads[key]?.invalidations &+= 1 }
    }

    /// Forgets everything, and makes every load in flight insert nothing.
    mutating func invalidateAll() {
        invalidateLoadsInFlight()
        values = [:]
    }

    /// Loads in flight (tests).
    var loadsInFlight: Int { loads.values.reduce(0) { $0 + $1.pending } }
}
