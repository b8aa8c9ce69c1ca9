import Foundation
import WebProfilesDomain

/// Who made a change, as written into audit events.
public struct AuditActor: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    public static func registration(_ id: String) -> AuditActor { AuditActor(value: "registration:\(id)") }
    public static func `operator`(uid: UInt32) -> AuditActor { AuditActor(value: "operator:uid=\(uid)") }
    public static let system = AuditActor(value: "system")
    public static let anonymous = AuditActor(value: "anonymous")
    public var description: String { value }
}

/// The session a write is made through: the write's transaction checks it still exists.
public struct SessionActor: Sendable, Hashable {
    public var registrationID: String
    public var sessionID: String
    public init(registrationID: String, sessionID: String) {
        self.registrationID = registrationID
        self.sessionID = sessionID
    }
}

/// A freshly issued single-use activation code, by its hash.
public struct ActivationSecret: Sendable {
    public var codeHash: String
    public var expiresAt: Date
    public init(codeHash: String, expiresAt: Date) {
        self.codeHash = codeHash
        self.expiresAt = expiresAt
    }
}

/// The legal representative's data for a new company or a replacement.
public struct LegalRepresentativeInput: Sendable {
    public var fullName: String
    public var fiscalCode: FiscalCode
    public var email: String
    public var username: Username
    public init(fullName: String, fiscalCode: FiscalCode, email: String, username: Username) {
        self.fullName = fullName
        self.fiscalCode = fiscalCode
        self.email = email
        self.username = username
    }
}

/// A registration to create, already validated.
public struct NewRegistration: Sendable {
    public var username: Username
    public var displayName: String
    public var email: String
    public var profile: Profile
    public var line: MSISDN?
    public var referent: String?
    public init(username: Username, displayName: String, email: String, profile: Profile, line: MSISDN?, referent: String?) {
        self.username = username
        self.displayName = displayName
        self.email = email
        self.profile = profile
        self.line = line
        self.referent = referent
    }
}

/// Filters of a registration listing.
public struct RegistrationFilter: Sendable {
    public var profile: Profile?
    public var status: RegistrationStatus?
    /// Case-insensitive substring of username, display name or email.
    public var query: String?
    public init(profile: Profile? = nil, status: RegistrationStatus? = nil, query: String? = nil) {
        self.profile = profile
        self.status = status
        self.query = query
    }
}

/// A company with its lines.
public struct CompanyWithLines: Sendable, Hashable {
    public var company: CompanyRecord
    public var lines: [LineRecord]
}

/// One page of a listing; `nextAfter` is the key to continue after, if there is more.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextAfter: String?
}

/// Counts for `Operator/Stats`.
public struct StoreCounts: Sendable, Hashable {
    public var companies: Int
    public var registrations: Int
    public var activeRegistrations: Int
    public var sessions: Int
}
