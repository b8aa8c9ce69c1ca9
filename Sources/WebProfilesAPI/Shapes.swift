import Foundation
import WebProfilesDomain

/// Who a session belongs to and what they may do.
public struct Principal: Codable, Hashable, Sendable {
    public var registrationId: String
    public var companyId: String
    public var companyName: String
    public var username: String
    public var displayName: String
    public var profile: Profile
    public var referent: String?
    public var line: String?
    /// Every permission the profile holds (line permissions are then checked per line).
    public var permissions: [Permission]

    public init(registrationId: String, companyId: String, companyName: String, username: String, displayName: String,
                profile: Profile, referent: String?, line: String?, permissions: [Permission]) {
        self.registrationId = registrationId
        self.companyId = companyId
        self.companyName = companyName
        self.username = username
        self.displayName = displayName
        self.profile = profile
        self.referent = referent
        self.line = line
        self.permissions = permissions
    }
}

/// A person's access to one company's customer area.
public struct Registration: Codable, Hashable, Sendable {
    public var registrationId: String
    public var companyId: String
    public var username: String
    public var displayName: String
    public var email: String
    public var profile: Profile
    public var referent: String?
    public var line: String?
    public var status: RegistrationStatus
    /// Whether failed logins locked it (until the lockout ends or the operator unlocks it).
    public var locked: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var lastLoginAt: Date?

    public init(registrationId: String, companyId: String, username: String, displayName: String, email: String,
                profile: Profile, referent: String?, line: String?, status: RegistrationStatus, locked: Bool,
                createdAt: Date, updatedAt: Date, lastLoginAt: Date?) {
        self.registrationId = registrationId
        self.companyId = companyId
        self.username = username
        self.displayName = displayName
        self.email = email
        self.profile = profile
        self.referent = referent
        self.line = line
        self.status = status
        self.locked = locked
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastLoginAt = lastLoginAt
    }
}

/// A company line.
public struct Line: Codable, Hashable, Sendable {
    /// E.164, `+39…`.
    public var msisdn: String
    public var kind: LineKind
    public init(msisdn: String, kind: LineKind) {
        self.msisdn = msisdn
        self.kind = kind
    }
}

/// The legal representative as a company shows it (read-only outside the operator plane).
public struct LegalRepresentative: Codable, Hashable, Sendable {
    public var fullName: String
    public var fiscalCode: String
    public var email: String
    public var registrationId: String
    public init(fullName: String, fiscalCode: String, email: String, registrationId: String) {
        self.fullName = fullName
        self.fiscalCode = fiscalCode
        self.email = email
        self.registrationId = registrationId
    }
}

/// A customer company.
public struct Company: Codable, Hashable, Sendable {
    public var companyId: String
    public var name: String
    public var vatNumber: String
    public var legalRepresentative: LegalRepresentative
    public var lines: [Line]
    public init(companyId: String, name: String, vatNumber: String, legalRepresentative: LegalRepresentative, lines: [Line]) {
        self.companyId = companyId
        self.name = name
        self.vatNumber = vatNumber
        self.legalRepresentative = legalRepresentative
        self.lines = lines
    }
}

/// One live session of the caller.
public struct SessionInfo: Codable, Hashable, Sendable {
    public var sessionId: String
    public var createdAt: Date
    public var lastSeenAt: Date
    /// The absolute end.
    public var expiresAt: Date
    /// The end if it stays unused.
    public var idleExpiresAt: Date
    /// Whether this is the session making the call.
    public var current: Bool
    public init(sessionId: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date, idleExpiresAt: Date, current: Bool) {
        self.sessionId = sessionId
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.idleExpiresAt = idleExpiresAt
        self.current = current
    }
}
