import Foundation
import GRDB
import WebProfilesDomain

/// Where a login attempt comes from, for throttling: the end user's address (the `client-ip`
/// call metadata a portal passes along), or the local peer that called.
package struct LoginSource: Sendable, Hashable, CustomStringConvertible {
    package enum Kind: Sendable, Hashable {
        /// An end user's network address, as the portal saw it.
        case address
        /// A local caller, by uid: a portal serving many users is one peer.
        case peer
    }

    package let kind: Kind
    package let key: String

    /// An end user's address (already validated).
    package static func address(_ address: String) -> LoginSource { LoginSource(kind: .address, key: "ip:\(address)") }
    /// A local caller, by its uid.
    package static func peer(uid: UInt32) -> LoginSource { LoginSource(kind: .peer, key: "uid:\(uid)") }

    package var description: String { key }
}

/// The rules of failed logins: the lockout of an account, the slowing down of a source.
package struct LoginPolicy: Sendable, Hashable {
    /// Failures that lock an account, when each came within ``lockoutDuration`` of the previous one.
    package var lockoutThreshold: Int
    /// How long a lockout lasts, in seconds; failures older than this are forgotten.
    package var lockoutDuration: TimeInterval
    /// Failures from one address within ``sourceWindow`` before its attempts are spaced out.
    package var addressThreshold: Int
    /// The same for one local peer (a portal's uid carries many users' attempts).
    package var peerThreshold: Int
    /// The window over which a source's failures count, in seconds.
    package var sourceWindow: TimeInterval
    /// The spacing of a throttled source's attempts after its first throttled failure, doubling
    /// with each further failure up to ``maxDelay``.
    package var baseDelay: TimeInterval
    package var maxDelay: TimeInterval
    /// An attempt that would have to wait longer than this for its turn is refused at once.
    package var maxWait: TimeInterval

    package init(lockoutThreshold: Int = 5, lockoutDuration: TimeInterval = 900, addressThreshold: Int = 20, peerThreshold: Int = 1000,
                sourceWindow: TimeInterval = 900, baseDelay: TimeInterval = 0.25, maxDelay: TimeInterval = 8, maxWait: TimeInterval = 30) {
        self.lockoutThreshold = lockoutThreshold
        self.lockoutDuration = lockoutDuration
        self.addressThreshold = addressThreshold
        self.peerThreshold = peerThreshold
        self.sourceWindow = sourceWindow
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxWait = maxWait
    }

    func threshold(of source: LoginSource) -> Int {
        source.kind == .address ? addressThreshold : peerThreshold
    }

    /// The spacing between attempts of a source with `failures` recent failures, above `threshold`.
    package func spacing(afterFailures failures: Int, threshold: Int) -> TimeInterval {
        guard failures >= threshold else { return 0 }
        let doublings = min(failures - threshold, 16)
        return min(maxDelay, baseDelay * Double(1 << doublings))
    }
}

/// Who a password check is for.
package enum LoginSubject: Sendable, Hashable {
    /// A login by username (nil: not a valid username, so nobody).
    case username(Username?)
    /// The current password of a logged-in registration (a password change).
    case registration(String)
}

/// The first step of a password check, recorded before the password is verified.
package struct LoginAttempt: Sendable {
    /// The registration the subject names, if any.
    package var registration: RegistrationRecord?
    /// The hash to verify the password against, when the attempt may succeed: the account is
    /// active, unlocked, and had an attempt left, which this one took (counted as a failure until
    /// ``ProfileStore/recordLoginSuccess(session:verifiedPasswordHash:upgradedPasswordHash:maxSessions:now:)``
    /// or ``ProfileStore/releaseLoginAttempt(_:)`` gives it back). Nil otherwise (unknown, pending,
    /// revoked, locked, or its attempts all taken): the caller then verifies against a dummy hash,
    /// so that every attempt costs the same.
    package var hashToVerify: String?
    /// When the check may run: later than now when a source has failed too often lately (its
    /// attempts are spaced out, one turn each, however many run in parallel).
    package var notBefore: Date
    /// The attempt was refused before anything: its turn is too far away.
    package var throttled: Bool
}

extension ProfileStore {
    /// Starts a password check: takes the next turn of each source (spacing out the attempts of
    /// sources that fail too often) and, for an account that can log in, one of its attempts
    /// before the lockout, so that concurrent guesses never get more verifications than the
    /// threshold. The same writes every time (a throttle row per source and one more row),
    /// whatever the subject, so that its timing tells nothing about it.
    package func beginLogin(_ subject: LoginSubject, sources: [LoginSource], policy: LoginPolicy, now: Date) async throws -> LoginAttempt {
        try await write { db, _ in
            var notBefore = now
            for source in sources {
                notBefore = max(notBefore, try Self.takeTurn(db, source: source, policy: policy, now: now))
            }
            let throttled = notBefore.timeIntervalSince(now) > policy.maxWait
            var registration: RegistrationRecord?
            switch subject {
            case .username(let username):
                if let username { registration = try RegistrationRecord.filter(RegistrationRecord.Columns.username == username.value).fetchOne(db) }
            case .registration(let id):
                registration = try RegistrationRecord.fetchOne(db, key: id)
            }
            var hash: String?
            if !throttled, var account = registration, account.status == .active, let passwordHash = account.passwordHash, !account.isLocked(at: now) {
                // Failures older than a lockout are forgotten (and so is an attempt never settled).
                if let last = account.lastFailedAttemptAt, now.timeIntervalSince(last) >= policy.lockoutDuration { account.failedAttempts = 0 }
                if account.failedAttempts < policy.lockoutThreshold {
                    account.failedAttempts += 1
                    account.lastFailedAttemptAt = now
                    try account.update(db)
                    registration = account
                    hash = passwordHash
                }
            }
            if hash == nil {
                // The row an account's attempt would have written, so that both cost one more page.
                try db.execute(sql: "INSERT INTO storageProbe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at", arguments: [now])
            }
            return LoginAttempt(registration: registration, hashToVerify: hash, notBefore: notBefore, throttled: throttled)
        }
    }

    /// Gives back the account's attempt taken by an attempt that could not be checked (the
    /// verification did not run, or the check was refused for another reason than the password).
    package func releaseLoginAttempt(_ attempt: LoginAttempt) async throws {
        guard attempt.hashToVerify != nil, let id = attempt.registration?.id else { return }
        try await bookkeeping { db in
            try db.execute(sql: "UPDATE registration SET failedAttempts = failedAttempts - 1 WHERE id = ? AND failedAttempts > 0", arguments: [id])
        }
    }

    /// Records a failed password check started by ``beginLogin(_:sources:policy:now:)``, with its
    /// audit event. An attempt that took one of the account's attempts locks the account when it
    /// was the last; an attempt that could not succeed is audited as refused. Returns whether
    /// this failure locked the account.
    @discardableResult
    package func recordLoginFailure(_ attempt: LoginAttempt, sources: [LoginSource], policy: LoginPolicy, now: Date) async throws -> Bool {
        try await write { db, audit in
            for source in sources { try Self.countFailure(db, source: source, policy: policy, now: now) }
            guard let id = attempt.registration?.id, var registration = try RegistrationRecord.fetchOne(db, key: id) else {
                audit.record(.loginFailed, actor: .anonymous, at: now, company: nil, target: nil)
                return false
            }
            guard attempt.hashToVerify != nil else {
                let reason = attempt.throttled ? "throttled" : registration.status == .active ? "locked" : registration.status.rawValue
                audit.record(.loginFailed, actor: .anonymous, at: now, company: registration.companyId, target: registration.id,
                             after: ["refused": reason])
                return false
            }
            audit.record(.loginFailed, actor: .anonymous, at: now, company: registration.companyId, target: registration.id,
                         after: ["failedAttempts": String(registration.failedAttempts)])
            guard registration.failedAttempts >= policy.lockoutThreshold, !registration.isLocked(at: now) else { return false }
            registration.lockedUntil = now.addingTimeInterval(policy.lockoutDuration)
            registration.failedAttempts = 0
            registration.updatedAt = now
            try registration.update(db)
            audit.record(.locked, actor: .system, at: now, company: registration.companyId, target: registration.id,
                         after: ["lockedUntil": ISO8601DateFormatter().string(from: registration.lockedUntil!)])
            return true
        }
    }

    /// Records a successful login: gives the account its attempts back, stores the session and
    /// ends the oldest other sessions beyond `maxSessions`. Refused if, since the password was
    /// verified, the registration stopped being active, got locked or changed its password.
    /// Returns the ended sessions.
    package func recordLoginSuccess(session: SessionRecord, verifiedPasswordHash: String, upgradedPasswordHash: String? = nil,
                                   maxSessions: Int, now: Date) async throws -> [SessionRecord] {
        try await write { db, audit in
            guard var registration = try RegistrationRecord.fetchOne(db, key: session.registrationId),
                  registration.status == .active, !registration.isLocked(at: now), registration.passwordHash == verifiedPasswordHash
            else { throw StoreError(.unauthenticated, "login refused") }
            registration.failedAttempts = 0
            registration.lastLoginAt = now
            registration.updatedAt = now
            if let upgradedPasswordHash { registration.passwordHash = upgradedPasswordHash }
            try registration.update(db)
            try session.insert(db)
            let others = try SessionRecord
                .filter(SessionRecord.Columns.registrationId == registration.id && SessionRecord.Columns.id != session.id)
                .order(SessionRecord.Columns.createdAt.desc, SessionRecord.Columns.id).fetchAll(db)
            let ended = Array(others.dropFirst(max(0, maxSessions - 1)))
            for old in ended {
                try old.delete(db)
                audit.record(.sessionRevoked, actor: .system, at: now, company: registration.companyId, target: registration.id,
                             after: ["sessionId": old.id, "reason": "session limit of \(maxSessions) reached"])
            }
            audit.record(.login, actor: .registration(registration.id), at: now, company: registration.companyId,
                         target: registration.id, after: ["sessionId": session.id])
            return ended
        }
    }

    /// A source's row, with its failures forgotten once the window has passed.
    private static func throttleRow(_ db: Database, source: LoginSource, policy: LoginPolicy, now: Date) throws -> (failures: Int, windowStartedAt: Date, nextAttemptAt: Date) {
        guard let row = try Row.fetchOne(db, sql: "SELECT failures, windowStartedAt, nextAttemptAt FROM loginThrottle WHERE source = ?", arguments: [source.key]) else {
            return (0, now, now)
        }
        let started: Date = row["windowStartedAt"]
        guard now.timeIntervalSince(started) < policy.sourceWindow else { return (0, now, now) }
        return (row["failures"], started, row["nextAttemptAt"])
    }

    private static func saveThrottleRow(_ db: Database, source: LoginSource, failures: Int, windowStartedAt: Date, nextAttemptAt: Date, now: Date) throws {
        try db.execute(sql: """
            INSERT INTO loginThrottle (source, failures, windowStartedAt, nextAttemptAt, lastAttemptAt) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (source) DO UPDATE SET failures = excluded.failures, windowStartedAt = excluded.windowStartedAt,
                nextAttemptAt = excluded.nextAttemptAt, lastAttemptAt = excluded.lastAttemptAt
            """, arguments: [source.key, failures, windowStartedAt, nextAttemptAt, now])
    }

    /// Takes `source`'s next turn: now, or, once it has failed too often, the first free slot,
    /// the following one `spacing` later. Returns when the turn comes.
    static func takeTurn(_ db: Database, source: LoginSource, policy: LoginPolicy, now: Date) throws -> Date {
        let row = try throttleRow(db, source: source, policy: policy, now: now)
        let spacing = policy.spacing(afterFailures: row.failures, threshold: policy.threshold(of: source))
        let turn = spacing > 0 ? max(now, row.nextAttemptAt) : now
        try saveThrottleRow(db, source: source, failures: row.failures, windowStartedAt: row.windowStartedAt,
                            nextAttemptAt: turn.addingTimeInterval(spacing), now: now)
        return turn
    }

    static func countFailure(_ db: Database, source: LoginSource, policy: LoginPolicy, now: Date) throws {
        let row = try throttleRow(db, source: source, policy: policy, now: now)
        try saveThrottleRow(db, source: source, failures: row.failures + 1, windowStartedAt: row.windowStartedAt,
                            nextAttemptAt: max(row.nextAttemptAt, now), now: now)
    }

    /// Forgets the throttling of sources quiet for longer than the window (the janitor).
    package func purgeLoginThrottle(policy: LoginPolicy, now: Date) async throws {
        try await bookkeeping { db in
            try db.execute(sql: "DELETE FROM loginThrottle WHERE lastAttemptAt < ?", arguments: [now.addingTimeInterval(-policy.sourceWindow)])
        }
    }
}
