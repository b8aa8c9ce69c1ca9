import Foundation
import WebProfilesDomain

/// `webprofiles.v1.Session`: login, activation, recovery, the caller's own account and sessions.
public enum SessionAPI {
    public static let login = MethodDescriptor<LoginRequest, LoginResponse>(service: "Session", method: "Login")
    public static let activate = MethodDescriptor<ActivateRequest, ActivateResponse>(service: "Session", method: "Activate")
    public static let requestRecovery = MethodDescriptor<RequestRecoveryRequest, RequestRecoveryResponse>(service: "Session", method: "RequestRecovery")
    public static let completeRecovery = MethodDescriptor<CompleteRecoveryRequest, Empty>(service: "Session", method: "CompleteRecovery")
    public static let whoami = MethodDescriptor<WhoamiRequest, WhoamiResponse>(service: "Session", method: "Whoami", requiresSession: true)
    public static let authorize = MethodDescriptor<AuthorizeRequest, AuthorizeResponse>(service: "Session", method: "Authorize", requiresSession: true)
    /// Several Authorize checks of one session in one call (a page's actions on many lines).
    public static let authorizeMany = MethodDescriptor<AuthorizeManyRequest, AuthorizeManyResponse>(service: "Session", method: "AuthorizeMany", requiresSession: true)
    /// The company lines the caller may act on with a line permission.
    public static let listAuthorizedLines = MethodDescriptor<ListAuthorizedLinesRequest, ListAuthorizedLinesResponse>(service: "Session", method: "ListAuthorizedLines", requiresSession: true)
    public static let selectCompany = MethodDescriptor<SelectCompanyRequest, PrincipalResponse>(service: "Session", method: "SelectCompany", requiresSession: true)
    public static let acceptInvitation = MethodDescriptor<AcceptInvitationRequest, PrincipalResponse>(service: "Session", method: "AcceptInvitation", requiresSession: true)
    public static let getAccount = MethodDescriptor<Empty, AccountResponse>(service: "Session", method: "GetAccount", requiresSession: true)
    public static let updateMyDetails = MethodDescriptor<UpdateMyDetailsRequest, AccountResponse>(service: "Session", method: "UpdateMyDetails", requiresSession: true)
    public static let logout = MethodDescriptor<Empty, Empty>(service: "Session", method: "Logout", requiresSession: true)
    public static let listSessions = MethodDescriptor<Empty, ListSessionsResponse>(service: "Session", method: "ListSessions", requiresSession: true)
    public static let revokeSession = MethodDescriptor<RevokeSessionRequest, Empty>(service: "Session", method: "RevokeSession", requiresSession: true)
    public static let revokeOtherSessions = MethodDescriptor<Empty, SessionsEndedResponse>(service: "Session", method: "RevokeOtherSessions", requiresSession: true)
    public static let changePassword = MethodDescriptor<ChangePasswordRequest, Empty>(service: "Session", method: "ChangePassword", requiresSession: true)
    public static let beginTOTPEnrollment = MethodDescriptor<Empty, BeginTOTPEnrollmentResponse>(service: "Session", method: "BeginTOTPEnrollment", requiresSession: true)
    public static let confirmTOTPEnrollment = MethodDescriptor<ConfirmTOTPEnrollmentRequest, ConfirmTOTPEnrollmentResponse>(service: "Session", method: "ConfirmTOTPEnrollment", requiresSession: true)
    public static let disableTOTP = MethodDescriptor<DisableTOTPRequest, Empty>(service: "Session", method: "DisableTOTP", requiresSession: true)
}

public struct LoginRequest: Codable, Sendable {
    public var username: String
    public var password: String
    /// The second factor of an enrolled account: a 6-digit TOTP code or a recovery code.
    public var otp: String?
    /// The company the session acts for when a call names none (one of the account's).
    public var companyId: String?
    public init(username: String, password: String, otp: String? = nil, companyId: String? = nil) {
        self.username = username
        self.password = password
        self.otp = otp
        self.companyId = companyId
    }
}

public struct LoginResponse: Codable, Sendable {
    /// `wps_` + base64url of 32 random bytes; send as `authorization: Bearer <token>`.
    public var sessionToken: String
    public var sessionId: String
    public var expiresAt: Date
    public var idleExpiresAt: Date
    /// Who the session acts as: present when it acts for one company (the one chosen, or the
    /// only one); absent for a person of several companies who chose none yet.
    public var principal: Principal?
    /// Every company the person is active in.
    public var memberships: [Membership]
    /// What the person must do before anything else (`enrollSecondFactor`); absent when nothing.
    public var requiredAction: String?

    public init(sessionToken: String, sessionId: String, expiresAt: Date, idleExpiresAt: Date, principal: Principal?,
                memberships: [Membership], requiredAction: String? = nil) {
        self.sessionToken = sessionToken
        self.sessionId = sessionId
        self.expiresAt = expiresAt
        self.idleExpiresAt = idleExpiresAt
        self.principal = principal
        self.memberships = memberships
        self.requiredAction = requiredAction
    }
}

public struct ActivateRequest: Codable, Sendable {
    public var activationCode: String
    public var password: String
    public init(activationCode: String, password: String) {
        self.activationCode = activationCode
        self.password = password
    }
}

public struct ActivateResponse: Codable, Sendable {
    public var principal: Principal

    public init(principal: Principal) {
        self.principal = principal
    }
}

/// A principal alone (`SelectCompany`, `AcceptInvitation`).
public struct PrincipalResponse: Codable, Sendable {
    public var principal: Principal
    public init(principal: Principal) { self.principal = principal }
}

public struct RequestRecoveryRequest: Codable, Sendable {
    public var username: String
    public init(username: String) { self.username = username }
}

public struct RequestRecoveryResponse: Codable, Sendable {
    /// What the portal must deliver to the person, for an active account; absent otherwise.
    public var delivery: RecoveryDelivery?
    public init(delivery: RecoveryDelivery?) { self.delivery = delivery }
}

public struct CompleteRecoveryRequest: Codable, Sendable {
    public var recoveryCode: String
    public var newPassword: String
    public init(recoveryCode: String, newPassword: String) {
        self.recoveryCode = recoveryCode
        self.newPassword = newPassword
    }
}

public struct WhoamiRequest: CompanyScopedRequest, Codable, Sendable {
    /// The company asked about (default: the session's).
    public var companyId: String?
    public init(companyId: String? = nil) { self.companyId = companyId }
}

public struct WhoamiResponse: Codable, Sendable {
    public var principal: Principal
    public var session: SessionInfo
    /// Every company the person is active in.
    public var memberships: [Membership]?
    /// What the person must do before anything else (`enrollSecondFactor`).
    public var requiredAction: String?

    public init(principal: Principal, session: SessionInfo, memberships: [Membership]? = nil, requiredAction: String? = nil) {
        self.principal = principal
        self.session = session
        self.memberships = memberships
        self.requiredAction = requiredAction
    }
}

public struct AuthorizeRequest: CompanyScopedRequest, Codable, Sendable {
    public var permission: Permission
    /// Required for line permissions (`line.*`), refused for the others.
    public var line: String?
    /// The company asked about (default: the session's).
    public var companyId: String?
    public init(permission: Permission, line: String? = nil, companyId: String? = nil) {
        self.permission = permission
        self.line = line
        self.companyId = companyId
    }
}

public struct AuthorizeResponse: Codable, Sendable {
    public var allowed: Bool
    public var reason: String
    public var principal: Principal

    public init(allowed: Bool, reason: String, principal: Principal) {
        self.allowed = allowed
        self.reason = reason
        self.principal = principal
    }
}

/// One check of `Session/AuthorizeMany`: a permission, and the line for line permissions.
public struct AuthorizationCheck: Codable, Hashable, Sendable {
    public var permission: Permission
    /// Required for line permissions (`line.*`), refused for the others.
    public var line: String?
    public init(permission: Permission, line: String? = nil) {
        self.permission = permission
        self.line = line
    }
}

/// `Session/AuthorizeMany`: up to ``maxChecks`` checks, answered in the same order.
public struct AuthorizeManyRequest: CompanyScopedRequest, Codable, Sendable {
    /// The most checks one call may carry.
    public static let maxChecks = 1000

    public var checks: [AuthorizationCheck]
    /// The company asked about (default: the session's).
    public var companyId: String?
    public init(checks: [AuthorizationCheck], companyId: String? = nil) {
        self.checks = checks
        self.companyId = companyId
    }
}

/// The decision of one check.
public struct AuthorizationResult: Codable, Hashable, Sendable {
    public var allowed: Bool
    public var reason: String
    public init(allowed: Bool, reason: String) {
        self.allowed = allowed
        self.reason = reason
    }
}

public struct AuthorizeManyResponse: Codable, Sendable {
    /// One per check, in the order of the request's `checks`.
    public var results: [AuthorizationResult]
    public var principal: Principal
    public init(results: [AuthorizationResult], principal: Principal) {
        self.results = results
        self.principal = principal
    }
}

/// `Session/ListAuthorizedLines`: the company's lines `permission` (a `line.*` permission)
/// reaches for the caller, in MSISDN order.
public struct ListAuthorizedLinesRequest: CompanyScopedRequest, Codable, Sendable {
    public var permission: Permission
    public var pageSize: Int?
    public var pageToken: String?
    /// The company asked about (default: the session's).
    public var companyId: String?
    public init(permission: Permission, pageSize: Int? = nil, pageToken: String? = nil, companyId: String? = nil) {
        self.permission = permission
        self.pageSize = pageSize
        self.pageToken = pageToken
        self.companyId = companyId
    }
}

public struct ListAuthorizedLinesResponse: Codable, Sendable {
    public var lines: [Line]
    /// Set when more lines follow: pass it as `pageToken`.
    public var nextPageToken: String?
    public init(lines: [Line], nextPageToken: String? = nil) {
        self.lines = lines
        self.nextPageToken = nextPageToken
    }
}

public struct SelectCompanyRequest: Codable, Sendable {
    public var companyId: String
    public init(companyId: String) { self.companyId = companyId }
}

public struct AcceptInvitationRequest: Codable, Sendable {
    /// The code the inviting company's registration answer carried (`activationCode`).
    public var invitationCode: String
    public init(invitationCode: String) { self.invitationCode = invitationCode }
}

/// The caller's own account.
public struct AccountResponse: Codable, Sendable {
    public var account: Account
    public init(account: Account) { self.account = account }
}

public struct UpdateMyDetailsRequest: Codable, Sendable {
    public var displayName: String?
    public var email: String?
    /// Required to change the email (where recovery codes go).
    public var currentPassword: String?
    public init(displayName: String? = nil, email: String? = nil, currentPassword: String? = nil) {
        self.displayName = displayName
        self.email = email
        self.currentPassword = currentPassword
    }
}

public struct ListSessionsResponse: Codable, Sendable {
    public var sessions: [SessionInfo]

    public init(sessions: [SessionInfo]) {
        self.sessions = sessions
    }
}

public struct RevokeSessionRequest: Codable, Sendable {
    public var sessionId: String
    public init(sessionId: String) { self.sessionId = sessionId }
}

/// How many sessions a call ended.
public struct SessionsEndedResponse: Codable, Sendable {
    public var sessionsEnded: Int
    public init(sessionsEnded: Int) { self.sessionsEnded = sessionsEnded }
}

public struct ChangePasswordRequest: Codable, Sendable {
    public var currentPassword: String
    public var newPassword: String
    public init(currentPassword: String, newPassword: String) {
        self.currentPassword = currentPassword
        self.newPassword = newPassword
    }
}

public struct BeginTOTPEnrollmentResponse: Codable, Sendable {
    /// The shared secret, base32 (RFC 4648, no padding), for typing into an authenticator.
    public var secret: String
    /// `otpauth://totp/…`, for a QR code.
    public var otpauthURI: String
    public init(secret: String, otpauthURI: String) {
        self.secret = secret
        self.otpauthURI = otpauthURI
    }
}

public struct ConfirmTOTPEnrollmentRequest: Codable, Sendable {
    /// The authenticator's current 6-digit code.
    public var code: String
    public init(code: String) { self.code = code }
}

public struct ConfirmTOTPEnrollmentResponse: Codable, Sendable {
    /// Ten single-use codes that stand in for the authenticator (shown once).
    public var recoveryCodes: [String]
    public init(recoveryCodes: [String]) { self.recoveryCodes = recoveryCodes }
}

public struct DisableTOTPRequest: Codable, Sendable {
    public var password: String
    public init(password: String) { self.password = password }
}
