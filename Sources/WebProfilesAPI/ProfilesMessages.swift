import Foundation
import WebProfilesDomain

/// `webprofiles.v1.Profiles`: Gestione utenze, inside the caller's company.
public enum ProfilesAPI {
    public static let listRegistrations = MethodDescriptor<ListRegistrationsRequest, ListRegistrationsResponse>(service: "Profiles", method: "ListRegistrations", requiresSession: true)
    public static let getRegistration = MethodDescriptor<GetRegistrationRequest, RegistrationResponse>(service: "Profiles", method: "GetRegistration", requiresSession: true)
    public static let registerUser = MethodDescriptor<RegisterUserRequest, RegistrationWithActivation>(service: "Profiles", method: "RegisterUser", requiresSession: true)
    public static let changeProfile = MethodDescriptor<ChangeProfileRequest, RegistrationResponse>(service: "Profiles", method: "ChangeProfile", requiresSession: true)
    public static let revokeCredentials = MethodDescriptor<RevokeCredentialsRequest, RegistrationResponse>(service: "Profiles", method: "RevokeCredentials", requiresSession: true)
    public static let restoreCredentials = MethodDescriptor<RestoreCredentialsRequest, RegistrationWithActivation>(service: "Profiles", method: "RestoreCredentials", requiresSession: true)
    public static let getCompany = MethodDescriptor<GetOwnCompanyRequest, CompanyResponse>(service: "Profiles", method: "GetCompany", requiresSession: true)
    public static let updateRegistration = MethodDescriptor<UpdateRegistrationRequest, RegistrationResponse>(service: "Profiles", method: "UpdateRegistration", requiresSession: true)
    public static let resetCredentials = MethodDescriptor<ResetCredentialsRequest, CredentialsResetResponse>(service: "Profiles", method: "ResetCredentials", requiresSession: true)
    public static let reissueActivation = MethodDescriptor<ReissueActivationRequest, RegistrationWithActivation>(service: "Profiles", method: "ReissueActivation", requiresSession: true)
    public static let listUserSessions = MethodDescriptor<UserSessionsRequest, ListSessionsResponse>(service: "Profiles", method: "ListUserSessions", requiresSession: true)
    public static let endUserSessions = MethodDescriptor<UserSessionsRequest, SessionsEndedResponse>(service: "Profiles", method: "EndUserSessions", requiresSession: true)
    public static let listAuditEvents = MethodDescriptor<ListCompanyAuditEventsRequest, ListAuditEventsResponse>(service: "Profiles", method: "ListAuditEvents", requiresSession: true)
}

/// Every `Profiles` request names the company it acts in with `companyId`, optional: without it
/// the session's selected company applies, or the person's only one.
public protocol CompanyScopedRequest: Sendable {
    var companyId: String? { get }
}

public struct ListRegistrationsRequest: CompanyScopedRequest, Codable, Sendable {
    public var companyId: String?
    public var profile: Profile?
    public var status: RegistrationStatus?
    /// A substring of username, display name or email, matched with case and accents folded.
    public var query: String?
    /// 1...500, default 50.
    public var pageSize: Int?
    public var pageToken: String?
    public init(profile: Profile? = nil, status: RegistrationStatus? = nil, query: String? = nil, pageSize: Int? = nil, pageToken: String? = nil, companyId: String? = nil) {
        self.companyId = companyId
        self.profile = profile
        self.status = status
        self.query = query
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

public struct ListRegistrationsResponse: Codable, Sendable {
    public var registrations: [Registration]
    public var nextPageToken: String?

    public init(registrations: [Registration], nextPageToken: String? = nil) {
        self.registrations = registrations
        self.nextPageToken = nextPageToken
    }
}

public struct GetRegistrationRequest: CompanyScopedRequest, Codable, Sendable {
    public var companyId: String?
    public var registrationId: String
    public init(registrationId: String, companyId: String? = nil) {
        self.companyId = companyId
        self.registrationId = registrationId
    }
}

public struct RegistrationResponse: Codable, Sendable {
    public var registration: Registration

    public init(registration: Registration) {
        self.registration = registration
    }
}

public struct RegisterUserRequest: CompanyScopedRequest, Codable, Sendable {
    public var companyId: String?
    public var username: String
    public var displayName: String
    public var email: String
    public var profile: Profile
    public var line: String?
    public var referent: String?
    public init(username: String, displayName: String, email: String, profile: Profile, line: String? = nil, referent: String? = nil, companyId: String? = nil) {
        self.companyId = companyId
        self.username = username
        self.displayName = displayName
        self.email = email
        self.profile = profile
        self.line = line
        self.referent = referent
    }
}

/// A registration together with its new single-use activation code (shown once).
public struct RegistrationWithActivation: Codable, Sendable {
    public var registration: Registration
    public var activationCode: String
    public var activationExpiresAt: Date

    public init(registration: Registration, activationCode: String, activationExpiresAt: Date) {
        self.registration = registration
        self.activationCode = activationCode
        self.activationExpiresAt = activationExpiresAt
    }
}

public struct ChangeProfileRequest: CompanyScopedRequest, Codable, Sendable {
    public var companyId: String?
    public var registrationId: String
    public var profile: Profile
    public var line: String?
    public var referent: String?
    public init(registrationId: String, profile: Profile, line: String? = nil, referent: String? = nil, companyId: String? = nil) {
        self.companyId = companyId
        self.registrationId = registrationId
        self.profile = profile
        self.line = line
        self.referent = referent
    }
}

public struct RevokeCredentialsRequest: CompanyScopedRequest, Codable, Sendable {
    public var companyId: String?
    public var registrationId: String
    public var reason: String?
    public init(registrationId: String, reason: String? = nil, companyId: String? = nil) {
        self.companyId = companyId
        self.registrationId = registrationId
        self.reason = reason
    }
}

public struct RestoreCredentialsRequest: CompanyScopedRequest, Codable, Sendable {
    public var companyId: String?
    public var registrationId: String
    public init(registrationId: String, companyId: String? = nil) {
        self.companyId = companyId
        self.registrationId = registrationId
    }
}

public struct CompanyResponse: Codable, Sendable {
    public var company: Company

    public init(company: Company) {
        self.company = company
    }
}

public struct GetOwnCompanyRequest: CompanyScopedRequest, Codable, Sendable {
    public var companyId: String?
    public init(companyId: String? = nil) { self.companyId = companyId }
}

public struct UpdateRegistrationRequest: CompanyScopedRequest, Codable, Sendable {
    public var registrationId: String
    public var displayName: String?
    public var email: String?
    public var companyId: String?
    public init(registrationId: String, displayName: String? = nil, email: String? = nil, companyId: String? = nil) {
        self.registrationId = registrationId
        self.displayName = displayName
        self.email = email
        self.companyId = companyId
    }
}

public struct ResetCredentialsRequest: CompanyScopedRequest, Codable, Sendable {
    public var registrationId: String
    public var companyId: String?
    public init(registrationId: String, companyId: String? = nil) {
        self.registrationId = registrationId
        self.companyId = companyId
    }
}

/// A registration whose password was reset, and what the portal must deliver to the person.
public struct CredentialsResetResponse: Codable, Sendable {
    public var registration: Registration
    public var delivery: RecoveryDelivery
    public var sessionsEnded: Int
    public init(registration: Registration, delivery: RecoveryDelivery, sessionsEnded: Int) {
        self.registration = registration
        self.delivery = delivery
        self.sessionsEnded = sessionsEnded
    }
}

public struct ReissueActivationRequest: CompanyScopedRequest, Codable, Sendable {
    public var registrationId: String
    public var companyId: String?
    public init(registrationId: String, companyId: String? = nil) {
        self.registrationId = registrationId
        self.companyId = companyId
    }
}

public struct UserSessionsRequest: CompanyScopedRequest, Codable, Sendable {
    public var registrationId: String
    public var companyId: String?
    public init(registrationId: String, companyId: String? = nil) {
        self.registrationId = registrationId
        self.companyId = companyId
    }
}

public struct ListCompanyAuditEventsRequest: CompanyScopedRequest, Codable, Sendable {
    /// Only the events about this registration.
    public var registrationId: String?
    /// Only this action (see ``AuditEvent/action``).
    public var action: String?
    /// From this time on (inclusive).
    public var since: Date?
    /// Before this time (exclusive).
    public var until: Date?
    /// 1...500, default 50.
    public var pageSize: Int?
    public var pageToken: String?
    public var companyId: String?
    public init(registrationId: String? = nil, action: String? = nil, since: Date? = nil, until: Date? = nil, pageSize: Int? = nil,
                pageToken: String? = nil, companyId: String? = nil) {
        self.registrationId = registrationId
        self.action = action
        self.since = since
        self.until = until
        self.pageSize = pageSize
        self.pageToken = pageToken
        self.companyId = companyId
    }
}
