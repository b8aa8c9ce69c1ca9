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
    public static let getCompany = MethodDescriptor<Empty, CompanyResponse>(service: "Profiles", method: "GetCompany", requiresSession: true)
}

public struct ListRegistrationsRequest: Codable, Sendable {
    public var profile: Profile?
    public var status: RegistrationStatus?
    /// Case-insensitive substring of username, display name or email.
    public var query: String?
    /// 1...500, default 50.
    public var pageSize: Int?
    public var pageToken: String?
    public init(profile: Profile? = nil, status: RegistrationStatus? = nil, query: String? = nil, pageSize: Int? = nil, pageToken: String? = nil) {
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

public struct GetRegistrationRequest: Codable, Sendable {
    public var registrationId: String
    public init(registrationId: String) { self.registrationId = registrationId }
}

public struct RegistrationResponse: Codable, Sendable {
    public var registration: Registration

    public init(registration: Registration) {
        self.registration = registration
    }
}

public struct RegisterUserRequest: Codable, Sendable {
    public var username: String
    public var displayName: String
    public var email: String
    public var profile: Profile
    public var line: String?
    public var referent: String?
    public init(username: String, displayName: String, email: String, profile: Profile, line: String? = nil, referent: String? = nil) {
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

public struct ChangeProfileRequest: Codable, Sendable {
    public var registrationId: String
    public var profile: Profile
    public var line: String?
    public var referent: String?
    public init(registrationId: String, profile: Profile, line: String? = nil, referent: String? = nil) {
        self.registrationId = registrationId
        self.profile = profile
        self.line = line
        self.referent = referent
    }
}

public struct RevokeCredentialsRequest: Codable, Sendable {
    public var registrationId: String
    public var reason: String?
    public init(registrationId: String, reason: String? = nil) {
        self.registrationId = registrationId
        self.reason = reason
    }
}

public struct RestoreCredentialsRequest: Codable, Sendable {
    public var registrationId: String
    public init(registrationId: String) { self.registrationId = registrationId }
}

public struct CompanyResponse: Codable, Sendable {
    public var company: Company

    public init(company: Company) {
        self.company = company
    }
}
