import Foundation
import WebProfilesAPI
import WebProfilesDomain

/// One typed method per RPC. Session-bound calls use the token set with ``WebProfilesClient/setSessionToken(_:)``.
extension WebProfilesClient {
    // MARK: Health

    /// `Health/Check`.
    public func health(timeout: Duration? = nil) async throws -> HealthCheckResponse {
        try await call(HealthAPI.check, Empty(), timeout: timeout)
    }

    // MARK: Session

    /// `Session/Login`; on success the client keeps the new token for later calls.
    public func login(username: String, password: String, timeout: Duration? = nil) async throws -> LoginResponse {
        let response = try await call(SessionAPI.login, LoginRequest(username: username, password: password), timeout: timeout)
        setSessionToken(response.sessionToken)
        return response
    }

    /// `Session/Activate`.
    public func activate(code: String, password: String, timeout: Duration? = nil) async throws -> Principal {
        try await call(SessionAPI.activate, ActivateRequest(activationCode: code, password: password), timeout: timeout).principal
    }

    /// `Session/Whoami`.
    public func whoami(timeout: Duration? = nil) async throws -> WhoamiResponse {
        try await call(SessionAPI.whoami, Empty(), timeout: timeout)
    }

    /// `Session/Authorize`: the hot path of local services.
    public func authorize(_ permission: Permission, line: String? = nil, timeout: Duration? = nil) async throws -> AuthorizeResponse {
        try await call(SessionAPI.authorize, AuthorizeRequest(permission: permission, line: line), timeout: timeout)
    }

    /// `Session/Logout`; the client forgets the token.
    public func logout(timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.logout, Empty(), timeout: timeout)
        setSessionToken(nil)
    }

    /// `Session/ListSessions`.
    public func listSessions(timeout: Duration? = nil) async throws -> [SessionInfo] {
        try await call(SessionAPI.listSessions, Empty(), timeout: timeout).sessions
    }

    /// `Session/RevokeSession`.
    public func revokeSession(_ sessionID: String, timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.revokeSession, RevokeSessionRequest(sessionId: sessionID), timeout: timeout)
    }

    /// `Session/ChangePassword`.
    public func changePassword(current: String, new: String, timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.changePassword, ChangePasswordRequest(currentPassword: current, newPassword: new), timeout: timeout)
    }

    // MARK: Profiles

    /// `Profiles/ListRegistrations`.
    public func listRegistrations(_ request: ListRegistrationsRequest = ListRegistrationsRequest(), timeout: Duration? = nil) async throws -> ListRegistrationsResponse {
        try await call(ProfilesAPI.listRegistrations, request, timeout: timeout)
    }

    /// `Profiles/GetRegistration`.
    public func registration(_ registrationID: String, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.getRegistration, GetRegistrationRequest(registrationId: registrationID), timeout: timeout).registration
    }

    /// `Profiles/RegisterUser`.
    public func registerUser(_ request: RegisterUserRequest, timeout: Duration? = nil) async throws -> RegistrationWithActivation {
        try await call(ProfilesAPI.registerUser, request, timeout: timeout)
    }

    /// `Profiles/ChangeProfile`.
    public func changeProfile(_ request: ChangeProfileRequest, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.changeProfile, request, timeout: timeout).registration
    }

    /// `Profiles/RevokeCredentials`.
    public func revokeCredentials(_ registrationID: String, reason: String? = nil, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: registrationID, reason: reason), timeout: timeout).registration
    }

    /// `Profiles/RestoreCredentials`.
    public func restoreCredentials(_ registrationID: String, timeout: Duration? = nil) async throws -> RegistrationWithActivation {
        try await call(ProfilesAPI.restoreCredentials, RestoreCredentialsRequest(registrationId: registrationID), timeout: timeout)
    }

    /// `Profiles/GetCompany`: the caller's company.
    public func company(timeout: Duration? = nil) async throws -> Company {
        try await call(ProfilesAPI.getCompany, Empty(), timeout: timeout).company
    }

    // MARK: Operator (operator socket)

    /// `Operator/CreateCompany`.
    public func createCompany(_ request: CreateCompanyRequest, timeout: Duration? = nil) async throws -> CompanyWithActivation {
        try await call(OperatorAPI.createCompany, request, timeout: timeout)
    }

    /// `Operator/ChangeLegalRepresentative`.
    public func changeLegalRepresentative(_ request: ChangeLegalRepresentativeRequest, timeout: Duration? = nil) async throws -> CompanyWithActivation {
        try await call(OperatorAPI.changeLegalRepresentative, request, timeout: timeout)
    }

    /// `Operator/AddLines`.
    public func addLines(companyID: String, lines: [Line], timeout: Duration? = nil) async throws -> Company {
        try await call(OperatorAPI.addLines, AddLinesRequest(companyId: companyID, lines: lines), timeout: timeout).company
    }

    /// `Operator/RemoveLine`.
    public func removeLine(companyID: String, msisdn: String, timeout: Duration? = nil) async throws -> Company {
        try await call(OperatorAPI.removeLine, RemoveLineRequest(companyId: companyID, msisdn: msisdn), timeout: timeout).company
    }

    /// `Operator/ListCompanies`.
    public func listCompanies(_ request: ListCompaniesRequest = ListCompaniesRequest(), timeout: Duration? = nil) async throws -> ListCompaniesResponse {
        try await call(OperatorAPI.listCompanies, request, timeout: timeout)
    }

    /// `Operator/GetCompany`.
    public func company(id companyID: String, timeout: Duration? = nil) async throws -> Company {
        try await call(OperatorAPI.getCompany, GetCompanyRequest(companyId: companyID), timeout: timeout).company
    }

    /// `Operator/UnlockRegistration`.
    public func unlockRegistration(_ registrationID: String, timeout: Duration? = nil) async throws -> Registration {
        try await call(OperatorAPI.unlockRegistration, UnlockRegistrationRequest(registrationId: registrationID), timeout: timeout).registration
    }

    /// `Operator/ListAuditEvents`.
    public func listAuditEvents(_ request: ListAuditEventsRequest = ListAuditEventsRequest(), timeout: Duration? = nil) async throws -> ListAuditEventsResponse {
        try await call(OperatorAPI.listAuditEvents, request, timeout: timeout)
    }

    /// `Operator/Stats`.
    public func stats(timeout: Duration? = nil) async throws -> StatsResponse {
        try await call(OperatorAPI.stats, Empty(), timeout: timeout)
    }
}
