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
    public static let findCompanies = MethodDescriptor<FindCompaniesRequest, ListCompaniesResponse>(service: "Operator", method: "FindCompanies")
    public static let findRegistrations = MethodDescriptor<FindRegistrationsRequest, FindRegistrationsResponse>(service: "Operator", method: "FindRegistrations")
    public static let listRegistrations = MethodDescriptor<OperatorListRegistrationsRequest, ListRegistrationsResponse>(service: "Operator", method: "ListRegistrations")
    public static let getRegistration = MethodDescriptor<OperatorRegistrationRequest, RegistrationResponse>(service: "Operator", method: "GetRegistration")
    public static let updateLegalRepresentative = MethodDescriptor<UpdateLegalRepresentativeRequest, CompanyResponse>(service: "Operator", method: "UpdateLegalRepresentative")
    public static let setReferentTypes = MethodDescriptor<SetReferentTypesRequest, CompanyResponse>(service: "Operator", method: "SetReferentTypes")
    public static let resetCredentials = MethodDescriptor<OperatorResetCredentialsRequest, CredentialsResetResponse>(service: "Operator", method: "ResetCredentials")
    public static let reissueActivation = MethodDescriptor<OperatorReissueActivationRequest, RegistrationWithActivation>(service: "Operator", method: "ReissueActivation")
    public static let resetSecondFactor = MethodDescriptor<ResetSecondFactorRequest, RegistrationResponse>(service: "Operator", method: "ResetSecondFactor")
    public static let listUserSessions = MethodDescriptor<OperatorRegistrationRequest, ListSessionsResponse>(service: "Operator", method: "ListUserSessions")
    public static let endUserSessions = MethodDescriptor<OperatorEndUserSessionsRequest, SessionsEndedResponse>(service: "Operator", method: "EndUserSessions")
    public static let stats = MethodDescriptor<Empty, StatsResponse>(service: "Operator", method: "Stats")
    /// Re-reads the configuration file, like SIGHUP.
    public static let reload = MethodDescriptor<Empty, ReloadResponse>(service: "Operator", method: "Reload")
    /// The daemon's metrics, in the Prometheus text exposition format.
    public static let metrics = MethodDescriptor<Empty, MetricsResponse>(service: "Operator", method: "Metrics")
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
    /// Only this action (see ``AuditEvent/action``).
    public var action: String?
    /// From this time on (inclusive).
    public var since: Date?
    /// Before this time (exclusive).
    public var until: Date?
    public var pageSize: Int?
    public var pageToken: String?
    public init(companyId: String? = nil, registrationId: String? = nil, action: String? = nil, since: Date? = nil, until: Date? = nil,
                pageSize: Int? = nil, pageToken: String? = nil) {
        self.companyId = companyId
        self.registrationId = registrationId
        self.action = action
        self.since = since
        self.until = until
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// One audited change.
public struct AuditEvent: Codable, Hashable, Sendable {
    public var eventId: Int64
    public var at: Date
    /// One of the actions listed in Protocol/PROTOCOL.md ("Audit events").
    public var action: String
    /// `registration:<id>`, `account:<id>`, `operator:uid=<uid>`, `system` or `anonymous`.
    public var actor: String
    /// For the desk's actions: the agent and the ticket (`operator-agent`, `operator-ticket`).
    public var agent: String?
    public var ticket: String?
    public var companyId: String?
    public var targetRegistrationId: String?
    /// The account an account-wide event (login, password, second factor) is about.
    public var targetAccountId: String?
    public var before: [String: String]?
    public var after: [String: String]?
    public init(eventId: Int64, at: Date, action: String, actor: String, agent: String? = nil, ticket: String? = nil, companyId: String?,
                targetRegistrationId: String?, targetAccountId: String? = nil, before: [String: String]?, after: [String: String]?) {
        self.eventId = eventId
        self.at = at
        self.action = action
        self.actor = actor
        self.agent = agent
        self.ticket = ticket
        self.companyId = companyId
        self.targetRegistrationId = targetRegistrationId
        self.targetAccountId = targetAccountId
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

/// The answer to `Operator/Metrics`.
public struct MetricsResponse: Codable, Sendable {
    /// Every metric, in the Prometheus text exposition format (what node_exporter's textfile
    /// collector and `promtool check metrics` read).
    public var text: String
    /// The media type of `text`: `text/plain; version=0.0.4`.
    public var contentType: String
    public init(text: String, contentType: String) {
        self.text = text
        self.contentType = contentType
    }
}

/// The desk's company search: by VAT number (exact) or by name (a substring, case and accents
/// folded); exactly one of the two.
public struct FindCompaniesRequest: Codable, Sendable {
    public var vatNumber: String?
    public var name: String?
    public var pageSize: Int?
    public var pageToken: String?
    public init(vatNumber: String? = nil, name: String? = nil, pageSize: Int? = nil, pageToken: String? = nil) {
        self.vatNumber = vatNumber
        self.name = name
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// The desk's person search across companies: by username, email or (for legal
/// representatives) fiscal code, each exact after normalisation; exactly one of the three.
public struct FindRegistrationsRequest: Codable, Sendable {
    public var username: String?
    public var email: String?
    public var fiscalCode: String?
    public init(username: String? = nil, email: String? = nil, fiscalCode: String? = nil) {
        self.username = username
        self.email = email
        self.fiscalCode = fiscalCode
    }
}

public struct FindRegistrationsResponse: Codable, Sendable {
    /// At most 500, ordered by company then username.
    public var registrations: [Registration]
    public init(registrations: [Registration]) { self.registrations = registrations }
}

/// `Profiles/ListRegistrations` for any company.
public struct OperatorListRegistrationsRequest: Codable, Sendable {
    public var companyId: String
    public var profile: Profile?
    public var status: RegistrationStatus?
    public var query: String?
    public var pageSize: Int?
    public var pageToken: String?
    public init(companyId: String, profile: Profile? = nil, status: RegistrationStatus? = nil, query: String? = nil, pageSize: Int? = nil,
                pageToken: String? = nil) {
        self.companyId = companyId
        self.profile = profile
        self.status = status
        self.query = query
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// One registration, in any company.
public struct OperatorRegistrationRequest: Codable, Sendable {
    public var registrationId: String
    public init(registrationId: String) { self.registrationId = registrationId }
}

/// Corrects the legal representative's data in place: same username, same sessions.
public struct UpdateLegalRepresentativeRequest: Codable, Sendable {
    public var companyId: String
    public var fullName: String?
    public var email: String?
    public var fiscalCode: String?
    public var reason: String
    public init(companyId: String, fullName: String? = nil, email: String? = nil, fiscalCode: String? = nil, reason: String) {
        self.companyId = companyId
        self.fullName = fullName
        self.email = email
        self.fiscalCode = fiscalCode
        self.reason = reason
    }
}

public struct SetReferentTypesRequest: Codable, Sendable {
    public var companyId: String
    /// The contract's list (at most 50 entries); empty to accept any referent again.
    public var referentTypes: [String]
    public init(companyId: String, referentTypes: [String]) {
        self.companyId = companyId
        self.referentTypes = referentTypes
    }
}

public struct OperatorResetCredentialsRequest: Codable, Sendable {
    public var registrationId: String
    public var reason: String
    public init(registrationId: String, reason: String) {
        self.registrationId = registrationId
        self.reason = reason
    }
}

public struct OperatorReissueActivationRequest: Codable, Sendable {
    public var registrationId: String
    public var reason: String?
    public init(registrationId: String, reason: String? = nil) {
        self.registrationId = registrationId
        self.reason = reason
    }
}

public struct ResetSecondFactorRequest: Codable, Sendable {
    public var registrationId: String
    public var reason: String
    public init(registrationId: String, reason: String) {
        self.registrationId = registrationId
        self.reason = reason
    }
}

public struct OperatorEndUserSessionsRequest: Codable, Sendable {
    public var registrationId: String
    public var reason: String
    public init(registrationId: String, reason: String) {
        self.registrationId = registrationId
        self.reason = reason
    }
}
