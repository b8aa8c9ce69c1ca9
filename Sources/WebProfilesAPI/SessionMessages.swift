import Foundation
import WebProfilesDomain

/// `webprofiles.v1.Session`: login, activation and the caller's own session.
public enum SessionAPI {
    public static let login = MethodDescriptor<LoginRequest, LoginResponse>(service: "Session", method: "Login")
    public static let activate = MethodDescriptor<ActivateRequest, ActivateResponse>(service: "Session", method: "Activate")
    public static let whoami = MethodDescriptor<Empty, WhoamiResponse>(service: "Session", method: "Whoami", requiresSession: true)
    public static let authorize = MethodDescriptor<AuthorizeRequest, AuthorizeResponse>(service: "Session", method: "Authorize", requiresSession: true)
    public static let logout = MethodDescriptor<Empty, Empty>(service: "Session", method: "Logout", requiresSession: true)
    public static let listSessions = MethodDescriptor<Empty, ListSessionsResponse>(service: "Session", method: "ListSessions", requiresSession: true)
    public static let revokeSession = MethodDescriptor<RevokeSessionRequest, Empty>(service: "Session", method: "RevokeSession", requiresSession: true)
    public static let changePassword = MethodDescriptor<ChangePasswordRequest, Empty>(service: "Session", method: "ChangePassword", requiresSession: true)
}

public struct LoginRequest: Codable, Sendable {
    public var username: String
    public var password: String
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

public struct LoginResponse: Codable, Sendable {
    /// `wps_` + base64url of 32 random bytes; send as `authorization: Bearer <token>`.
    public var sessionToken: String
    public var sessionId: String
    public var expiresAt: Date
    public var idleExpiresAt: Date
    public var principal: Principal

    public init(sessionToken: String, sessionId: String, expiresAt: Date, idleExpiresAt: Date, principal: Principal) {
        self.sessionToken = sessionToken
        self.sessionId = sessionId
        self.expiresAt = expiresAt
        self.idleExpiresAt = idleExpiresAt
        self.principal = principal
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

public struct WhoamiResponse: Codable, Sendable {
    public var principal: Principal
    public var session: SessionInfo

    public init(principal: Principal, session: SessionInfo) {
        self.principal = principal
        self.session = session
    }
}

public struct AuthorizeRequest: Codable, Sendable {
    public var permission: Permission
    /// Required for line permissions (`line.*`), refused for the others.
    public var line: String?
    public init(permission: Permission, line: String? = nil) {
        self.permission = permission
        self.line = line
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

public struct ChangePasswordRequest: Codable, Sendable {
    public var currentPassword: String
    public var newPassword: String
    public init(currentPassword: String, newPassword: String) {
        self.currentPassword = currentPassword
        self.newPassword = newPassword
    }
}
