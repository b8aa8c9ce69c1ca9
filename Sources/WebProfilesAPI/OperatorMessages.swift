import Foundation
import WebProfilesDomain

/// `webprofiles.v1.Operator`: customer service, on the operator socket only.
public enum OperatorAPI {
    public static let createCompany = MethodDescriptor<CreateCompanyRequest, CompanyWithActivation>(service: "Operator", method: "CreateCompany")
    public static let changeLegalRepresentative = MethodDescriptor<ChangeLegalRepresentativeRequest, CompanyWithActivation>(service: "Operator", method: "ChangeLegalRepresentative")
    public static let addLines = MethodDescriptor<AddLinesRequest, CompanyResponse>(service: "Operator", method: "AddLines")
    public static let removeLine = MethodDescriptor<RemoveLineRequest, CompanyResponse>(service: "Operator", method: "RemoveLine")
    public static let listCompanies = MethodDescriptor<ListCompaniesRequest, ListCompaniesResponse>(service: "Operator", method: "ListCompanies")
    public static let getCompany = MethodDescriptor<GetCompanyRequest, CompanyResponse>(service: "Operator", method: "GetCompany")
    public static let unlockRegistration = MethodDescriptor<UnlockRegistrationRequest, RegistrationResponse>(service: "Operator", method: "UnlockRegistration")
    public static let listAuditEvents = MethodDescriptor<ListAuditEventsRequest, ListAuditEventsResponse>(service: "Operator", method: "ListAuditEvents")
    public static let stats = MethodDescriptor<Empty, StatsResponse>(service: "Operator", method: "Stats")
    /// Re-reads the configuration file, like SIGHUP.
    public static let reload = MethodDescriptor<Empty, ReloadResponse>(service: "Operator", method: "Reload")
}

/// The legal representative of a new company, or a replacement.
public struct LegalRepresentativeRequest: Codable, Sendable {
    public var fullName: String
    /// Italian personal fiscal code (16 characters).
    public var fiscalCode: String
    public var email: String
    /// The username of the legal representative's new registration.
    public var username: String
    public init(fullName: String, fiscalCode: String, email: String, username: String) {
        self.fullName = fullName
        self.fiscalCode = fiscalCode
        self.email = email
        self.username = username
    }
}

public struct CreateCompanyRequest: Codable, Sendable {
    public var name: String
    /// Partita IVA, 11 digits.
    public var vatNumber: String
    public var legalRepresentative: LegalRepresentativeRequest
    public init(name: String, vatNumber: String, legalRepresentative: LegalRepresentativeRequest) {
        self.name = name
        self.vatNumber = vatNumber
        self.legalRepresentative = legalRepresentative
    }
}

/// A company with its legal representative's new registration and activation code (shown once).
public struct CompanyWithActivation: Codable, Sendable {
    public var company: Company
    public var registration: Registration
    public var activationCode: String
    public var activationExpiresAt: Date

    public init(company: Company, registration: Registration, activationCode: String, activationExpiresAt: Date) {
        self.company = company
        self.registration = registration
        self.activationCode = activationCode
        self.activationExpiresAt = activationExpiresAt
    }
}

public struct ChangeLegalRepresentativeRequest: Codable, Sendable {
    public var companyId: String
    public var legalRepresentative: LegalRepresentativeRequest
    public var reason: String
    public init(companyId: String, legalRepresentative: LegalRepresentativeRequest, reason: String) {
        self.companyId = companyId
        self.legalRepresentative = legalRepresentative
        self.reason = reason
    }
}

public struct AddLinesRequest: Codable, Sendable {
    public var companyId: String
    public var lines: [Line]
    public init(companyId: String, lines: [Line]) {
        self.companyId = companyId
        self.lines = lines
    }
}

public struct RemoveLineRequest: Codable, Sendable {
    public var companyId: String
    public var msisdn: String
    public init(companyId: String, msisdn: String) {
        self.companyId = companyId
        self.msisdn = msisdn
    }
}

public struct ListCompaniesRequest: Codable, Sendable {
    public var pageSize: Int?
    public var pageToken: String?
    public init(pageSize: Int? = nil, pageToken: String? = nil) {
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

public struct ListCompaniesResponse: Codable, Sendable {
    public var companies: [Company]
    public var nextPageToken: String?

    public init(companies: [Company], nextPageToken: String? = nil) {
        self.companies = companies
        self.nextPageToken = nextPageToken
    }
}

public struct GetCompanyRequest: Codable, Sendable {
    public var companyId: String
    public init(companyId: String) { self.companyId = companyId }
}

public struct UnlockRegistrationRequest: Codable, Sendable {
    public var registrationId: String
    public init(registrationId: String) { self.registrationId = registrationId }
}

public struct ListAuditEventsRequest: Codable, Sendable {
    public var companyId: String?
    public var registrationId: String?
    public var since: Date?
    public var pageSize: Int?
    public var pageToken: String?
    public init(companyId: String? = nil, registrationId: String? = nil, since: Date? = nil, pageSize: Int? = nil, pageToken: String? = nil) {
        self.companyId = companyId
        self.registrationId = registrationId
        self.since = since
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// One audited change.
public struct AuditEvent: Codable, Hashable, Sendable {
    public var eventId: Int64
    public var at: Date
    /// registered, activated, profileChanged, revoked, restored, locked, unlocked, login,
    /// loginFailed, logout, sessionRevoked, passwordChanged, companyCreated,
    /// legalRepresentativeChanged, linesChanged.
    public var action: String
    /// `registration:<id>`, `operator:uid=<uid>`, `system` or `anonymous`.
    public var actor: String
    public var companyId: String?
    public var targetRegistrationId: String?
    public var before: [String: String]?
    public var after: [String: String]?
    public init(eventId: Int64, at: Date, action: String, actor: String, companyId: String?, targetRegistrationId: String?,
                before: [String: String]?, after: [String: String]?) {
        self.eventId = eventId
        self.at = at
        self.action = action
        self.actor = actor
        self.companyId = companyId
        self.targetRegistrationId = targetRegistrationId
        self.before = before
        self.after = after
    }
}

public struct ListAuditEventsResponse: Codable, Sendable {
    public var events: [AuditEvent]
    public var nextPageToken: String?

    public init(events: [AuditEvent], nextPageToken: String? = nil) {
        self.events = events
        self.nextPageToken = nextPageToken
    }
}

public struct StatsResponse: Codable, Sendable {
    public var companies: Int
    public var registrations: Int
    public var activeRegistrations: Int
    public var liveSessions: Int
    /// Sessions held in the daemon's memory (validated without the database).
    public var cachedSessions: Int
    public var connections: Int
    public var uptimeSeconds: Double
    public var version: String

    public init(companies: Int, registrations: Int, activeRegistrations: Int, liveSessions: Int, cachedSessions: Int, connections: Int,
                uptimeSeconds: Double, version: String) {
        self.companies = companies
        self.registrations = registrations
        self.activeRegistrations = activeRegistrations
        self.liveSessions = liveSessions
        self.cachedSessions = cachedSessions
        self.connections = connections
        self.uptimeSeconds = uptimeSeconds
        self.version = version
    }
}

/// The answer to `Operator/Reload`.
public struct ReloadResponse: Codable, Sendable {
    /// Settings that changed in the file but only take effect after a restart.
    public var restartRequired: [String]
    public init(restartRequired: [String]) { self.restartRequired = restartRequired }
}
