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
    /// The referent types the contract names (`Operator/SetReferentTypes`); absent when it names
    /// none (any referent is accepted).
    public var referentTypes: [String]?
    public init(companyId: String, name: String, vatNumber: String, legalRepresentative: LegalRepresentative, lines: [Line],
                referentTypes: [String]? = nil) {
        self.companyId = companyId
        self.name = name
        self.vatNumber = vatNumber
        self.legalRepresentative = legalRepresentative
        self.lines = lines
        self.referentTypes = referentTypes
    }
}

/// One live session.
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
    /// The end user's address and browser at login, as the portal passed them.
    public var clientAddress: String?
    public var userAgent: String?
    /// The company the session acts for when a call names none (shown to the person only).
    public var selectedCompanyId: String?
    public init(sessionId: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date, idleExpiresAt: Date, current: Bool,
                clientAddress: String? = nil, userAgent: String? = nil, selectedCompanyId: String? = nil) {
        self.sessionId = sessionId
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.idleExpiresAt = idleExpiresAt
        self.current = current
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.selectedCompanyId = selectedCompanyId
    }
}

/// One company a person is active in, with their profile there.
public struct Membership: Codable, Hashable, Sendable {
    public var registrationId: String
    public var companyId: String
    public var companyName: String
    public var profile: Profile
    public init(registrationId: String, companyId: String, companyName: String, profile: Profile) {
        self.registrationId = registrationId
        self.companyId = companyId
        self.companyName = companyName
        self.profile = profile
    }
}

/// A person's own account: what is theirs whatever the companies.
public struct Account: Codable, Hashable, Sendable {
    public var accountId: String
    public var username: String
    public var displayName: String
    /// Where recovery codes are delivered.
    public var email: String
    public var memberships: [Membership]
    public var secondFactor: SecondFactorState
    public init(accountId: String, username: String, displayName: String, email: String, memberships: [Membership], secondFactor: SecondFactorState) {
        self.accountId = accountId
        self.username = username
        self.displayName = displayName
        self.email = email
        self.memberships = memberships
        self.secondFactor = secondFactor
    }
}

/// Whether an account has a second factor.
public struct SecondFactorState: Codable, Hashable, Sendable {
    /// TOTP is confirmed and asked at every login.
    public var enabled: Bool
    /// Whether the person's profiles require one (`second_factor_required_profiles`).
    public var required: Bool
    /// Recovery codes not used yet.
    public var recoveryCodesLeft: Int
    public init(enabled: Bool, required: Bool, recoveryCodesLeft: Int) {
        self.enabled = enabled
        self.required = required
        self.recoveryCodesLeft = recoveryCodesLeft
    }
}

/// What the calling service must deliver to a person (the daemon sends no mail): to the
/// registered address, never shown to a manager or the desk.
public struct RecoveryDelivery: Codable, Hashable, Sendable {
    public var registrationId: String
    public var email: String
    public var displayName: String
    /// Single use; `Session/CompleteRecovery` sets a new password with it.
    public var recoveryCode: String
    public var expiresAt: Date
    public init(registrationId: String, email: String, displayName: String, recoveryCode: String, expiresAt: Date) {
        self.registrationId = registrationId
        self.email = email
        self.displayName = displayName
        self.recoveryCode = recoveryCode
        self.expiresAt = expiresAt
    }
}
