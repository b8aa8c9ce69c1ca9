import Foundation
import WebProfilesDomain

/// Who made a change, as written into audit events.
package struct AuditActor: Sendable, Hashable, CustomStringConvertible {
    package let value: String
    /// For the desk: the agent and the ticket of the call (`operator-agent`, `operator-ticket`).
    package var agent: String?
    package var ticket: String?
    /// For a manager's action: the profile the manager held in the action's transaction, written
    /// into the event's `after` as `actorProfile` (what an auditor checks the rank against).
    package var profile: String?

    package static func registration(_ id: String) -> AuditActor { AuditActor(value: "registration:\(id)") }
    /// A manager acting on someone of their company, with the profile they act with.
    package static func manager(_ registration: RegistrationRecord) -> AuditActor {
        AuditActor(value: "registration:\(registration.id)", profile: registration.profile.rawValue)
    }
    package static func account(_ id: String) -> AuditActor { AuditActor(value: "account:\(id)") }
    package static func `operator`(uid: UInt32, agent: String? = nil, ticket: String? = nil) -> AuditActor {
        AuditActor(value: "operator:uid=\(uid)", agent: agent, ticket: ticket)
    }
    package static let system = AuditActor(value: "system")
    package static let anonymous = AuditActor(value: "anonymous")
    package var description: String { value }
}

/// The session a write is made through, and the registration it acts as: the write's transaction
/// checks the session still exists and the registration is still active.
package struct SessionActor: Sendable, Hashable {
    package var accountID: String
    package var sessionID: String
    /// The caller's registration (membership) in the company the call is about.
    package var registrationID: String
    package init(accountID: String, sessionID: String, registrationID: String) {
        self.accountID = accountID
        self.sessionID = sessionID
        self.registrationID = registrationID
    }
}

/// The end user behind a call, as the portal passed them (`client-ip`, `user-agent` metadata,
/// already validated and bounded).
package struct ClientDetails: Sendable, Hashable {
    package var address: String?
    package var userAgent: String?
    package init(address: String? = nil, userAgent: String? = nil) {
        self.address = address
        self.userAgent = userAgent
    }

    /// The fields an audit event shows.
    package var auditFields: [String: String] {
        var fields: [String: String] = [:]
        if let address { fields["clientAddress"] = address }
        if let userAgent { fields["userAgent"] = userAgent }
        return fields
    }
}

/// A freshly issued single-use activation code, by its hash.
package struct ActivationSecret: Sendable {
    package var codeHash: String
    package var expiresAt: Date
    package init(codeHash: String, expiresAt: Date) {
        self.codeHash = codeHash
        self.expiresAt = expiresAt
    }
}

/// The legal representative's data for a new company or a replacement.
package struct LegalRepresentativeInput: Sendable {
    package var fullName: String
    package var fiscalCode: FiscalCode
    package var email: String
    package var username: Username
    package init(fullName: String, fiscalCode: FiscalCode, email: String, username: Username) {
        self.fullName = fullName
        self.fiscalCode = fiscalCode
        self.email = email
        self.username = username
    }
}

/// A registration to create, already validated.
package struct NewRegistration: Sendable {
    package var username: Username
    package var displayName: String
    package var email: String
    package var profile: Profile
    package var line: MSISDN?
    package var referent: String?
    package init(username: Username, displayName: String, email: String, profile: Profile, line: MSISDN?, referent: String?) {
        self.username = username
        self.displayName = displayName
        self.email = email
        self.profile = profile
        self.line = line
        self.referent = referent
    }
}

/// Filters of a registration listing.
package struct RegistrationFilter: Sendable {
    package var profile: Profile?
    package var status: RegistrationStatus?
    /// A substring of username, display name or email, matched with case and accents folded.
    package var query: String?
    package init(profile: Profile? = nil, status: RegistrationStatus? = nil, query: String? = nil) {
        self.profile = profile
        self.status = status
        self.query = query
    }
}

/// A company with its lines.
package struct CompanyWithLines: Sendable, Hashable {
    package var company: CompanyRecord
    package var lines: [LineRecord]
}

/// One page of a listing; `nextAfter` is the key to continue after, if there is more.
package struct Page<Item: Sendable>: Sendable {
    package var items: [Item]
    package var nextAfter: String?
}

/// Counts for `Operator/Stats`.
package struct StoreCounts: Sendable, Hashable {
    package var companies: Int
    package var registrations: Int
    package var activeRegistrations: Int
    package var sessions: Int
}
