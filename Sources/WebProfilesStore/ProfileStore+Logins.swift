import Foundation
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
    /// The current password of a logged-in account (a password change, an email change, turning
    /// the second factor off).
    case account(String)
}

/// The first step of a password check, recorded before the password is verified.
package struct LoginAttempt: Sendable {
    /// The account the subject names, if any.
    package var account: AccountRecord?
    /// The hash to verify the password against, when the attempt may succeed: the account has an
    /// active membership, is unlocked, and had an attempt left, which this one took (counted as a
    /// failure until ``ProfileStore/recordLoginSuccess(_:)`` or
    /// ``ProfileStore/releaseLoginAttempt(_:)`` gives it back). Nil otherwise (unknown, pending,
    /// revoked, locked, or its attempts all taken): the caller then verifies against a dummy hash,
    /// so that every attempt costs the same.
    package var hashToVerify: String?
    /// When the check may run: later than now when a source has failed too often lately (its
    /// attempts are spaced out, one turn each, however many run in parallel).
    package var notBefore: Date
    /// The attempt was refused before anything: its turn is too far away.
    package var throttled: Bool
}

/// Why a password check that ran failed.
package enum LoginFailure: String, Sendable, Hashable {
    /// The password was wrong.
    case password
    /// The password was right but the second factor missing or wrong.
    case secondFactor
}

/// The second factor a login presented and the server checked: a TOTP code of a time step
/// (accepted once only), or a single-use recovery code.
package enum SecondFactorUse: Sendable, Hashable {
    case totp(step: Int64)
    case recoveryCode(hash: String)
}

/// A successful login to record.
package struct LoginSuccess: Sendable {
    package var session: SessionRecord
    package var verifiedPasswordHash: String
    /// The password rehashed (new parameters, or its normalised form), to store.
    package var upgradedPasswordHash: String?
    package var secondFactor: SecondFactorUse?
    /// Profiles whose holders must enrol a second factor: an account without one that holds
    /// such a profile gets a session that may only enrol (``RequiredAction/enrollSecondFactor``).
    package var requiredSecondFactorProfiles: Set<Profile>
    /// The account's sessions beyond this many (oldest first) end.
    package var maxSessions: Int
    package var now: Date

    package init(session: SessionRecord, verifiedPasswordHash: String, upgradedPasswordHash: String? = nil, secondFactor: SecondFactorUse? = nil,
                 requiredSecondFactorProfiles: Set<Profile> = [], maxSessions: Int, now: Date) {
        self.session = session
        self.verifiedPasswordHash = verifiedPasswordHash
        self.upgradedPasswordHash = upgradedPasswordHash
        self.secondFactor = secondFactor
        self.requiredSecondFactorProfiles = requiredSecondFactorProfiles
        self.maxSessions = maxSessions
        self.now = now
    }
}

/// What a recorded login made: the session as stored, the account's memberships, and the
/// sessions it ended.
package struct LoginOutcome: Sendable {
    package var session: SessionRecord
    package var account: AccountRecord
    /// The account's active registrations as the login's transaction read them (oldest first),
    /// with their companies' names: what the login answers with, as of its commit.
    package var registrations: [(RegistrationRecord, companyName: String)]
    package var endedSessions: [SessionRecord]
}

extension ProfileStore {
    /// Starts a password check: takes the next turn of each source (spacing out the attempts of
    /// sources that fail too often) and, for an account that can log in, one of its attempts
    /// before the lockout, so that concurrent guesses never get more verifications than the
    /// threshold. The same writes every time (a throttle row per source and one more row),
    /// whatever the subject, so that its timing tells nothing about it.
    package func beginLogin(_ subject: LoginSubject, sources: [LoginSource], policy: LoginPolicy, now: Date) async throws -> LoginAttempt {
        try await write { tx, _ in
            var notBefore = now
            for source in sources {
                notBefore = max(notBefore, try Self.takeTurn(tx, source: source, policy: policy, now: now))
            }
            let throttled = notBefore.timeIntervalSince(now) > policy.maxWait
            var account: AccountRecord?
            switch subject {
            case .username(let username):
                if let username { account = try AccountRecord.fetchOne(tx, where: "username = ?", [.text(username.value)]) }
            case .account(let id):
                account = try AccountRecord.fetchOne(tx, key: id)
            }
            var hash: String?
            if !throttled, var candidate = account, let passwordHash = candidate.passwordHash, !candidate.isLocked(at: now),
               try Self.hasOtherLiveMemberships(tx, accountID: candidate.id, except: nil) {
                // Failures older than a lockout are forgotten (and so is an attempt never settled).
                if let last = candidate.lastFailedAttemptAt, now.timeIntervalSince(last) >= policy.lockoutDuration { candidate.failedAttempts = 0 }
                if candidate.failedAttempts < policy.lockoutThreshold {
                    candidate.failedAttempts += 1
                    candidate.lastFailedAttemptAt = now
                    try candidate.update(tx)
                    account = candidate
                    hash = passwordHash
                }
            }
            if hash == nil {
                // The row an account's attempt would have written, so that both cost one more page.
                try Self.touchProbe(tx, now: now)
            }
            return LoginAttempt(account: account, hashToVerify: hash, notBefore: notBefore, throttled: throttled)
        }
    }

    /// Gives back the account's attempt taken by an attempt that could not be checked (the
    /// verification did not run, or the check was refused for another reason than the password).
    package func releaseLoginAttempt(_ attempt: LoginAttempt) async throws {
        guard attempt.hashToVerify != nil, let id = attempt.account?.id else { return }
        try await bookkeeping { tx in
            try tx.execute("UPDATE account SET failedAttempts = failedAttempts - 1 WHERE id = ? AND failedAttempts > 0", [.text(id)])
        }
    }

    /// Records a failed check started by ``beginLogin(_:sources:policy:now:)``, with its audit
    /// event. An attempt that took one of the account's attempts locks the account when it was
    /// the last; an attempt that could not succeed is audited as refused. Returns whether this
    /// failure locked the account.
    @discardableResult
    package func recordLoginFailure(_ attempt: LoginAttempt, reason: LoginFailure = .password, sources: [LoginSource], policy: LoginPolicy,
                                    client: ClientDetails = ClientDetails(), now: Date) async throws -> Bool {
        try await write { tx, log in
            for source in sources { try Self.countFailure(tx, source: source, policy: policy, now: now) }
            var details = client.auditFields
            guard let id = attempt.account?.id, var account = try AccountRecord.fetchOne(tx, key: id) else {
                log.record(.loginFailed, actor: .anonymous, at: now, company: nil, target: nil, after: details.isEmpty ? nil : details)
                return false
            }
            guard attempt.hashToVerify != nil else {
                details["refused"] = attempt.throttled ? "throttled" : account.isLocked(at: now) ? "locked" : "inactive"
                log.record(.loginFailed, actor: .anonymous, at: now, company: nil, target: nil, account: account.id, after: details)
                return false
            }
            details["failedAttempts"] = String(account.failedAttempts)
            if reason == .secondFactor { details["failed"] = "secondFactor" }
            log.record(.loginFailed, actor: .anonymous, at: now, company: nil, target: nil, account: account.id, after: details)
            guard account.failedAttempts >= policy.lockoutThreshold, !account.isLocked(at: now) else { return false }
            let lockedUntil = now.addingTimeInterval(policy.lockoutDuration)
            account.lockedUntil = lockedUntil
            account.failedAttempts = 0
            account.updatedAt = now
            try account.update(tx)
            log.record(.locked, actor: .system, at: now, company: nil, target: nil, account: account.id,
                       after: ["lockedUntil": ISO8601DateFormatter().string(from: lockedUntil)])
            log.changed(.account(account.id))
            return true
        }
    }

    /// Records a successful login: gives the account its attempts back, uses up the second
    /// factor presented, stores the session and ends the oldest other sessions beyond the limit.
    /// Refused if, since the password was verified, the account lost its last active membership,
    /// got locked or changed its password, or if the second factor was used meanwhile. The
    /// session's selected company, when set, must be one of the account's active memberships.
    package func recordLoginSuccess(_ success: LoginSuccess) async throws -> LoginOutcome {
        try await write { tx, log in
            let now = success.now
            var session = success.session
            guard var account = try AccountRecord.fetchOne(tx, key: session.accountId), !account.isLocked(at: now),
                  account.passwordHash == success.verifiedPasswordHash
            else { throw StoreError(.unauthenticated, "login refused") }
            let named = try Self.activeRegistrations(tx, accountID: account.id)
            let registrations = named.map(\.0)
            guard !registrations.isEmpty else { throw StoreError(.unauthenticated, "login refused") }
            if let selected = session.selectedCompanyId, !registrations.contains(where: { $0.companyId == selected }) {
                throw StoreError(.permissionDenied, "you have no active registration in company \(selected.prefix(64))", field: "companyId")
            }
            switch success.secondFactor {
            case .totp(let step)?:
                guard account.totpEnabled, (account.totpLastStep ?? Int64.min) < step else {
                    throw StoreError(.unauthenticated, "the second-factor code was already used")
                }
                account.totpLastStep = step
            case .recoveryCode(let hash)?:
                guard try tx.execute("DELETE FROM secondFactorRecoveryCode WHERE codeHash = ? AND accountId = ?", [.text(hash), .text(account.id)]) == 1 else {
                    throw StoreError(.unauthenticated, "the recovery code was already used")
                }
            case nil:
                break
            }
            if !account.totpEnabled, registrations.contains(where: { success.requiredSecondFactorProfiles.contains($0.profile) }) {
                session.requiredAction = RequiredAction.enrollSecondFactor.rawValue
            }
            account.failedAttempts = 0
            account.lastLoginAt = now
            account.updatedAt = now
            if let upgraded = success.upgradedPasswordHash { account.passwordHash = upgraded }
            try account.update(tx)
            try session.insert(tx)
            let others = try SessionRecord.fetchAll(tx, where: "accountId = ? AND id != ?", [.text(account.id), .text(session.id)],
                                                    orderBy: "createdAt DESC, id")
            let ended = Array(others.dropFirst(max(0, success.maxSessions - 1)))
            for old in ended {
                try old.delete(tx)
                log.record(.sessionRevoked, actor: .system, at: now, company: nil, target: nil, account: account.id,
                           after: ["sessionId": old.id, "reason": "session limit of \(success.maxSessions) reached"])
            }
            if !ended.isEmpty { log.changed(.sessions(ended.map(\.tokenHash))) }
            var details = ClientDetails(address: session.clientAddress, userAgent: session.userAgent).auditFields
            details["sessionId"] = session.id
            if case .recoveryCode? = success.secondFactor { details["secondFactor"] = "recoveryCode" }
            let selected = registrations.first { $0.companyId == session.selectedCompanyId }
            log.record(.login, actor: .account(account.id), at: now, company: session.selectedCompanyId, target: selected?.id, account: account.id,
                       after: details)
            return LoginOutcome(session: session, account: account, registrations: named, endedSessions: ended)
        }
    }

    /// A source's row, with its failures forgotten once the window has passed.
    private static func throttleRow(_ tx: some StoreTransaction, source: LoginSource, policy: LoginPolicy, now: Date) throws -> (failures: Int, windowStartedAt: Date, nextAttemptAt: Date) {
        guard let row = try tx.row("SELECT failures, windowStartedAt, nextAttemptAt FROM loginThrottle WHERE source = ?", [.text(source.key)]) else {
            return (0, now, now)
        }
        let started: Date = try row["windowStartedAt"]
        guard now.timeIntervalSince(started) < policy.sourceWindow else { return (0, now, now) }
        return (try row["failures"], started, try row["nextAttemptAt"])
    }

    private static func saveThrottleRow(_ tx: some StoreTransaction, source: LoginSource, failures: Int, windowStartedAt: Date, nextAttemptAt: Date, now: Date) throws {
        try tx.execute("""
            INSERT INTO loginThrottle (source, failures, windowStartedAt, nextAttemptAt, lastAttemptAt) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (source) DO UPDATE SET failures = excluded.failures, windowStartedAt = excluded.windowStartedAt,
                nextAttemptAt = excluded.nextAttemptAt, lastAttemptAt = excluded.lastAttemptAt
            """, [.text(source.key), failures.sqlValue, .date(windowStartedAt), .date(nextAttemptAt), .date(now)])
    }

    /// Takes `source`'s next turn: now, or, once it has failed too often, the first free slot,
    /// the following one `spacing` later. Returns when the turn comes.
    static func takeTurn(_ tx: some StoreTransaction, source: LoginSource, policy: LoginPolicy, now: Date) throws -> Date {
        let row = try throttleRow(tx, source: source, policy: policy, now: now)
        let spacing = policy.spacing(afterFailures: row.failures, threshold: policy.threshold(of: source))
        let turn = spacing > 0 ? max(now, row.nextAttemptAt) : now
        try saveThrottleRow(tx, source: source, failures: row.failures, windowStartedAt: row.windowStartedAt,
                            nextAttemptAt: turn.addingTimeInterval(spacing), now: now)
        return turn
    }

    static func countFailure(_ tx: some StoreTransaction, source: LoginSource, policy: LoginPolicy, now: Date) throws {
        let row = try throttleRow(tx, source: source, policy: policy, now: now)
        try saveThrottleRow(tx, source: source, failures: row.failures + 1, windowStartedAt: row.windowStartedAt,
                            nextAttemptAt: max(row.nextAttemptAt, now), now: now)
    }

    /// Rewrites the storage probe's row: a write of the same size as an account's, where one is
    /// needed so that a refusal costs what an acceptance does.
    static func touchProbe(_ tx: some StoreTransaction, now: Date) throws {
        try tx.execute("INSERT INTO storageProbe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at", [.date(now)])
    }

    /// Forgets the throttling of sources quiet for longer than the window (the janitor).
    package func purgeLoginThrottle(policy: LoginPolicy, now: Date) async throws {
        try await bookkeeping { tx in
            try tx.execute("DELETE FROM loginThrottle WHERE lastAttemptAt < ?", [.date(now.addingTimeInterval(-policy.sourceWindow))])
        }
    }
}
