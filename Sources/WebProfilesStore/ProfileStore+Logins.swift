import Foundation
import GRDB
import WebProfilesDomain

/// Where a login attempt comes from, for throttling: the end user's address the portal passes
/// along, or else the local peer that called.
public struct LoginSource: Sendable, Hashable, CustomStringConvertible {
    public let key: String
    public init(key: String) { self.key = key }
    /// A local caller, by its uid.
    public static func peer(uid: UInt32) -> LoginSource { LoginSource(key: "uid:\(uid)") }
    public var description: String { key }
}

/// The rules of failed logins: the lockout of an account, the slowing down of a source.
public struct LoginPolicy: Sendable, Hashable {
    /// Consecutive failures that lock an account.
    public var lockoutThreshold: Int
    /// How long a lockout lasts, in seconds.
    public var lockoutDuration: TimeInterval
    /// Failures from one source within ``sourceWindow`` before its attempts are slowed down.
    public var sourceThreshold: Int
    /// The window over which a source's failures count, in seconds.
    public var sourceWindow: TimeInterval
    /// The delay of the first throttled attempt, doubling with each further failure up to ``maxDelay``.
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval

    public init(lockoutThreshold: Int = 5, lockoutDuration: TimeInterval = 900, sourceThreshold: Int = 20, sourceWindow: TimeInterval = 900,
                baseDelay: TimeInterval = 0.25, maxDelay: TimeInterval = 8) {
        self.lockoutThreshold = lockoutThreshold
        self.lockoutDuration = lockoutDuration
        self.sourceThreshold = sourceThreshold
        self.sourceWindow = sourceWindow
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The delay of an attempt from a source with `failures` recent failures.
    public func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures >= sourceThreshold else { return 0 }
        let doublings = min(failures - sourceThreshold, 16)
        return min(maxDelay, baseDelay * Double(1 << doublings))
    }
}

/// Who a password check is for.
public enum LoginSubject: Sendable, Hashable {
    /// A login by username (nil: not a valid username, so nobody).
    case username(Username?)
    /// The current password of a logged-in registration (a password change).
    case registration(String)
}

/// The first step of a password check, recorded before the password is verified.
public struct LoginAttempt: Sendable {
    /// The registration the subject names, if any.
    public var registration: RegistrationRecord?
    /// The hash to verify the password against, when the attempt may succeed: the account is
    /// active, unlocked, and had an attempt left, which this one took. Nil otherwise (unknown,
    /// pending, revoked, locked, or its attempts all in progress): the caller then verifies
    /// against a dummy hash, so that every attempt costs the same.
    public var hashToVerify: String?
    /// Seconds to wait before verifying: the source has failed too often lately.
    public var delay: TimeInterval
}

extension ProfileStore {
    /// Starts a password check: notes the attempt of `source` and, for an account that can log
    /// in, takes one of its attempts before the lockout (counted as a failure until a success
    /// gives it back), so that concurrent guesses never get more verifications than the lockout
    /// threshold. One write every time, whatever the subject.
    public func beginLogin(_ subject: LoginSubject, source: LoginSource, policy: LoginPolicy, now: Date) async throws -> LoginAttempt {
        try await write { db, _ in
            let failures = try Self.touchThrottle(db, source: source, policy: policy, now: now, failed: false)
            var registration: RegistrationRecord?
            switch subject {
            case .username(let username):
                if let username { registration = try RegistrationRecord.filter(RegistrationRecord.Columns.username == username.value).fetchOne(db) }
            case .registration(let id):
                registration = try RegistrationRecord.fetchOne(db, key: id)
            }
            var hash: String?
            if var account = registration, account.status == .active, let passwordHash = account.passwordHash,
               !account.isLocked(at: now), account.failedAttempts < policy.lockoutThreshold {
                account.failedAttempts += 1
                try account.update(db)
                registration = account
                hash = passwordHash
            }
            return LoginAttempt(registration: registration, hashToVerify: hash, delay: policy.delay(afterFailures: failures))
        }
    }

    /// Records a failed password check started by ``beginLogin(_:source:policy:now:)``, with its
    /// audit event. An attempt that took one of the account's attempts locks the account when it
    /// was the last; an attempt that could not succeed is audited as refused. Returns whether
    /// this failure locked the account.
    @discardableResult
    public func recordLoginFailure(_ attempt: LoginAttempt, source: LoginSource, policy: LoginPolicy, now: Date) async throws -> Bool {
        try await write { db, audit in
            _ = try Self.touchThrottle(db, source: source, policy: policy, now: now, failed: true)
            guard let id = attempt.registration?.id, var registration = try RegistrationRecord.fetchOne(db, key: id) else {
                audit.record(.loginFailed, actor: .anonymous, at: now, company: nil, target: nil)
                return false
            }
            guard attempt.hashToVerify != nil else {
                let reason = registration.status == .active ? "locked" : registration.status.rawValue
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
    public func recordLoginSuccess(session: SessionRecord, verifiedPasswordHash: String, upgradedPasswordHash: String? = nil,
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

    /// Notes an attempt (and a failure) of `source`; returns its failures in the current window
    /// before this call.
    static func touchThrottle(_ db: Database, source: LoginSource, policy: LoginPolicy, now: Date, failed: Bool) throws -> Int {
        var failures = 0
        var windowStartedAt = now
        if let row = try Row.fetchOne(db, sql: "SELECT failures, windowStartedAt FROM loginThrottle WHERE source = ?", arguments: [source.key]) {
            let started: Date = row["windowStartedAt"]
            if now.timeIntervalSince(started) < policy.sourceWindow {
                failures = row["failures"]
                windowStartedAt = started
            }
        }
        try db.execute(sql: """
            INSERT INTO loginThrottle (source, failures, windowStartedAt, lastAttemptAt) VALUES (?, ?, ?, ?)
            ON CONFLICT (source) DO UPDATE SET failures = excluded.failures, windowStartedAt = excluded.windowStartedAt,
                lastAttemptAt = excluded.lastAttemptAt
            """, arguments: [source.key, failures + (failed ? 1 : 0), windowStartedAt, now])
        return failures
    }

    /// Forgets the throttling of sources quiet for longer than the window (the janitor).
    public func purgeLoginThrottle(policy: LoginPolicy, now: Date) async throws {
        try await bookkeeping { db in
            try db.execute(sql: "DELETE FROM loginThrottle WHERE lastAttemptAt < ?", arguments: [now.addingTimeInterval(-policy.sourceWindow)])
        }
    }
}
