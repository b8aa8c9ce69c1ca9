/// The companies in memory, one ``SharedCompany`` each, which the principals of their members
/// share (interning: a company's id and name are held once, not once per member).
///
/// A company is kept while some principal refers to it: each shard sweeps the companies only it
/// still holds when it has doubled since its last sweep, so it holds at most about twice the
/// companies in use.
final class SharedCompanies: Sendable {
    private struct Shard: Sendable {
        var companies: [CompactID: SharedCompany] = [:]
        /// The count at which the next sweep runs.
        var sweepAt = SharedCompanies.firstSweep

        mutating func intern(_ company: SharedCompany) -> SharedCompany {
            if let held = companies[company.key], held.encoded == company.encoded { return held }
            companies[company.key] = company
            if companies.count >= sweepAt { sweep() }
            return company
        }

        /// Forgets the companies no principal refers to any more.
        mutating func sweep() {
            var unused: [CompactID] = []
            // Walked by index, not `indices` (a copy of the dictionary: every value referred twice).
            var index = companies.startIndex
            while index != companies.endIndex {
                if isKnownUniquelyReferenced(&companies.values[index]) { unused.append(companies.keys[index]) }
                companies.formIndex(after: &index)
            }
            for key in unused { companies.removeValue(forKey: key) }
            sweepAt = max(SharedCompanies.firstSweep, companies.count * 2)
        }
    }

    static let firstSweep = 64

    private let shards = LockShards(count: AuthorizationCache.shardCount) { Shard() }

    init() {}

    /// The company as memory holds it: the one already held when it has the same id and name,
    /// else `company` (held from now on, in place of an older one with that id).
    func intern(_ company: SharedCompany) -> SharedCompany {
        shards.withLock(shards.index(spreadOf: company.key)) { $0.intern(company) }
    }

    /// Forgets a company (changed: its members are loaded again with what it became).
    func forget(_ key: CompactID) {
        shards.withLock(shards.index(spreadOf: key)) { _ = $0.companies.removeValue(forKey: key) }
    }

    func forgetAll() {
        shards.forEach { $0 = Shard() }
    }

    /// Sweeps every shard now (tests; the shards sweep themselves as they grow).
    func sweep() {
        shards.forEach { $0.sweep() }
    }

    var count: Int {
        var count = 0
        shards.forEach { count += $0.companies.count }
        return count
    }
}
