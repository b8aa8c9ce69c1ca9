import Synchronization

extension StoreChange {
    /// The change as the PostgreSQL change log and notifications carry it (`a:<accountId>`,
    /// `c:<companyId>`, `s:<tokenHash>`, `*`), nil for text that is none of these.
    package init?(logText text: String) {
        let kind = text.prefix(2)
        let key = String(text.dropFirst(2))
        switch kind {
        case "a:" where !key.isEmpty: self = .account(key)
        case "c:" where !key.isEmpty: self = .company(key)
        case "s:" where !key.isEmpty: self = .sessions([key])
        default:
            guard text == "*" else { return nil }
            self = .all
        }
    }
}

/// A change a committed write made, as the caches of what authorization reads need to know it.
package enum StoreChange: Sendable, Hashable {
    /// An account or one of its memberships: credentials, lockout, names, profiles, lines,
    /// statuses. Whatever is cached of the account is stale.
    case account(String)
    /// A company: its lines, its name, its referent types.
    case company(String)
    /// Sessions that ended or changed (their selected company, their required action), by
    /// token hash.
    case sessions([String])
    /// Anything may have changed (changes were missed and cannot be replayed): forget everything.
    case all
}

/// Where committed changes are told: the store publishes those of each of its writes, after the
/// commit (and, with a shared database, those other daemons made); subscribers react at once.
package final class ChangeFeed: Sendable {
    private let subscribers = Mutex<[@Sendable ([StoreChange]) -> Void]>([])

    package init() {}

    /// Calls `handler` with every later batch of changes, in commit order.
    package func subscribe(_ handler: @escaping @Sendable ([StoreChange]) -> Void) {
        subscribers.withLock { $0.append(handler) }
    }

    package func publish(_ changes: [StoreChange]) {
        for handler in subscribers.withLock({ $0 }) { handler(changes) }
    }
}
