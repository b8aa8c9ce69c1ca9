import Foundation
import WebProfilesAPI
import WebProfilesDomain

/// One typed method per RPC. Session-bound calls use the token set with
/// ``WebProfilesClient/setSessionToken(_:)``; `companyID`, where a method takes one, names the
/// company the call is about (default: the session's selected company, or the person's only one).
extension WebProfilesClient {
    // MARK: Health

    /// `Health/Check`.
    public func health(timeout: Duration? = nil) async throws -> HealthCheckResponse {
        try await call(HealthAPI.check, Empty(), timeout: timeout)
    }

    // MARK: Session

    /// `Session/Login`; on success the client keeps the new token for later calls.
    public func login(username: String, password: String, otp: String? = nil, companyID: String? = nil,
                      timeout: Duration? = nil) async throws -> LoginResponse {
        let response = try await call(SessionAPI.login, LoginRequest(username: username, password: password, otp: otp, companyId: companyID),
                                      timeout: timeout)
        setSessionToken(response.sessionToken)
        return response
    }

    /// `Session/Activate`.
    public func activate(code: String, password: String, timeout: Duration? = nil) async throws -> Principal {
        try await call(SessionAPI.activate, ActivateRequest(activationCode: code, password: password), timeout: timeout).principal
    }

    /// `Session/RequestRecovery`: what to deliver to the person, nil when the username names no
    /// active account.
    public func requestRecovery(username: String, timeout: Duration? = nil) async throws -> RecoveryDelivery? {
        try await call(SessionAPI.requestRecovery, RequestRecoveryRequest(username: username), timeout: timeout).delivery
    }

    /// `Session/CompleteRecovery`.
    public func completeRecovery(code: String, newPassword: String, timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.completeRecovery, CompleteRecoveryRequest(recoveryCode: code, newPassword: newPassword), timeout: timeout)
    }

    /// `Session/Whoami`.
    public func whoami(companyID: String? = nil, timeout: Duration? = nil) async throws -> WhoamiResponse {
        try await call(SessionAPI.whoami, WhoamiRequest(companyId: companyID), timeout: timeout)
    }

    /// `Session/Authorize`: the hot path of local services.
    public func authorize(_ permission: Permission, line: String? = nil, companyID: String? = nil, timeout: Duration? = nil) async throws -> AuthorizeResponse {
        try await call(SessionAPI.authorize, AuthorizeRequest(permission: permission, line: line, companyId: companyID), timeout: timeout)
    }

    /// `Session/SelectCompany`.
    public func selectCompany(_ companyID: String, timeout: Duration? = nil) async throws -> Principal {
        try await call(SessionAPI.selectCompany, SelectCompanyRequest(companyId: companyID), timeout: timeout).principal
    }

    /// `Session/AcceptInvitation`.
    public func acceptInvitation(code: String, timeout: Duration? = nil) async throws -> Principal {
        try await call(SessionAPI.acceptInvitation, AcceptInvitationRequest(invitationCode: code), timeout: timeout).principal
    }

    /// `Session/GetAccount`.
    public func account(timeout: Duration? = nil) async throws -> Account {
        try await call(SessionAPI.getAccount, Empty(), timeout: timeout).account
    }

    /// `Session/UpdateMyDetails`.
    public func updateMyDetails(_ request: UpdateMyDetailsRequest, timeout: Duration? = nil) async throws -> Account {
        try await call(SessionAPI.updateMyDetails, request, timeout: timeout).account
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

    /// `Session/RevokeOtherSessions`: signs out everywhere else; returns how many ended.
    public func revokeOtherSessions(timeout: Duration? = nil) async throws -> Int {
        try await call(SessionAPI.revokeOtherSessions, Empty(), timeout: timeout).sessionsEnded
    }

    /// `Session/ChangePassword`.
    public func changePassword(current: String, new: String, timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.changePassword, ChangePasswordRequest(currentPassword: current, newPassword: new), timeout: timeout)
    }

    /// `Session/BeginTOTPEnrollment`.
    public func beginTOTPEnrollment(timeout: Duration? = nil) async throws -> BeginTOTPEnrollmentResponse {
        try await call(SessionAPI.beginTOTPEnrollment, Empty(), timeout: timeout)
    }

    /// `Session/ConfirmTOTPEnrollment`: the recovery codes.
    public func confirmTOTPEnrollment(code: String, timeout: Duration? = nil) async throws -> [String] {
        try await call(SessionAPI.confirmTOTPEnrollment, ConfirmTOTPEnrollmentRequest(code: code), timeout: timeout).recoveryCodes
    }

    /// `Session/DisableTOTP`.
    public func disableTOTP(password: String, timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.disableTOTP, DisableTOTPRequest(password: password), timeout: timeout)
    }

    // MARK: Profiles

    /// `Profiles/ListRegistrations`.
    public func listRegistrations(_ request: ListRegistrationsRequest = ListRegistrationsRequest(), timeout: Duration? = nil) async throws -> ListRegistrationsResponse {
        try await call(ProfilesAPI.listRegistrations, request, timeout: timeout)
    }

    /// `Profiles/GetRegistration`.
    public func registration(_ registrationID: String, companyID: String? = nil, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.getRegistration, GetRegistrationRequest(registrationId: registrationID, companyId: companyID), timeout: timeout).registration
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
    public func revokeCredentials(_ registrationID: String, reason: String? = nil, companyID: String? = nil, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: registrationID, reason: reason, companyId: companyID),
                       timeout: timeout).registration
    }

    /// `Profiles/RestoreCredentials`.
    public func restoreCredentials(_ registrationID: String, companyID: String? = nil, timeout: Duration? = nil) async throws -> RegistrationWithActivation {
        try await call(ProfilesAPI.restoreCredentials, RestoreCredentialsRequest(registrationId: registrationID, companyId: companyID), timeout: timeout)
    }

    /// `Profiles/GetCompany`: the caller's company.
    public func company(companyID: String? = nil, timeout: Duration? = nil) async throws -> Company {
        try await call(ProfilesAPI.getCompany, GetOwnCompanyRequest(companyId: companyID), timeout: timeout).company
    }

    /// `Profiles/UpdateRegistration`.
    public func updateRegistration(_ request: UpdateRegistrationRequest, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.updateRegistration, request, timeout: timeout).registration
    }

    /// `Profiles/ResetCredentials`: the delivery for the portal to send to the person.
    public func resetCredentials(_ registrationID: String, companyID: String? = nil, timeout: Duration? = nil) async throws -> CredentialsResetResponse {
        try await call(ProfilesAPI.resetCredentials, ResetCredentialsRequest(registrationId: registrationID, companyId: companyID), timeout: timeout)
    }

    /// `Profiles/ReissueActivation`.
    public func reissueActivation(_ registrationID: String, companyID: String? = nil, timeout: Duration? = nil) async throws -> RegistrationWithActivation {
        try await call(ProfilesAPI.reissueActivation, ReissueActivationRequest(registrationId: registrationID, companyId: companyID), timeout: timeout)
    }

    /// `Profiles/ListUserSessions`.
    public func userSessions(_ registrationID: String, companyID: String? = nil, timeout: Duration? = nil) async throws -> [SessionInfo] {
        try await call(ProfilesAPI.listUserSessions, UserSessionsRequest(registrationId: registrationID, companyId: companyID), timeout: timeout).sessions
    }

    /// `Profiles/EndUserSessions`: how many ended.
    public func endUserSessions(_ registrationID: String, companyID: String? = nil, timeout: Duration? = nil) async throws -> Int {
        try await call(ProfilesAPI.endUserSessions, UserSessionsRequest(registrationId: registrationID, companyId: companyID), timeout: timeout).sessionsEnded
    }

    /// `Profiles/ListAuditEvents`: the company's audit trail.
    public func companyAuditEvents(_ request: ListCompanyAuditEventsRequest = ListCompanyAuditEventsRequest(), timeout: Duration? = nil) async throws -> ListAuditEventsResponse {
        try await call(ProfilesAPI.listAuditEvents, request, timeout: timeout)
    }

    // MARK: Operator (operator socket; writes need `operator-agent` metadata, see setMetadata(_:for:))

    /// `Operator/CreateCompany`.
    public func createCompany(_ request: CreateCompanyRequest, timeout: Duration? = nil) async throws -> CompanyWithActivation {
        try await call(OperatorAPI.createCompany, request, timeout: timeout)
    }

    /// `Operator/ChangeLegalRepresentative`.
    public func changeLegalRepresentative(_ request: ChangeLegalRepresentativeRequest, timeout: Duration? = nil) async throws -> CompanyWithActivation {
        try await call(OperatorAPI.changeLegalRepresentative, request, timeout: timeout)
    }

    /// `Operator/UpdateLegalRepresentative`.
    public func updateLegalRepresentative(_ request: UpdateLegalRepresentativeRequest, timeout: Duration? = nil) async throws -> Company {
        try await call(OperatorAPI.updateLegalRepresentative, request, timeout: timeout).company
    }

    /// `Operator/AddLines`.
    public func addLines(companyID: String, lines: [Line], timeout: Duration? = nil) async throws -> Company {
        try await call(OperatorAPI.addLines, AddLinesRequest(companyId: companyID, lines: lines), timeout: timeout).company
    }

    /// `Operator/RemoveLine`.
    public func removeLine(companyID: String, msisdn: String, timeout: Duration? = nil) async throws -> Company {
        try await call(OperatorAPI.removeLine, RemoveLineRequest(companyId: companyID, msisdn: msisdn), timeout: timeout).company
    }

    /// `Operator/SetReferentTypes`.
    public func setReferentTypes(companyID: String, _ referentTypes: [String], timeout: Duration? = nil) async throws -> Company {
        try await call(OperatorAPI.setReferentTypes, SetReferentTypesRequest(companyId: companyID, referentTypes: referentTypes), timeout: timeout).company
    }

    /// `Operator/ListCompanies`.
    public func listCompanies(_ request: ListCompaniesRequest = ListCompaniesRequest(), timeout: Duration? = nil) async throws -> ListCompaniesResponse {
        try await call(OperatorAPI.listCompanies, request, timeout: timeout)
    }

    /// `Operator/FindCompanies`.
    public func findCompanies(_ request: FindCompaniesRequest, timeout: Duration? = nil) async throws -> ListCompaniesResponse {
        try await call(OperatorAPI.findCompanies, request, timeout: timeout)
    }

    /// `Operator/GetCompany`.
    public func company(id companyID: String, timeout: Duration? = nil) async throws -> Company {
        try await call(OperatorAPI.getCompany, GetCompanyRequest(companyId: companyID), timeout: timeout).company
    }

    /// `Operator/FindRegistrations`.
    public func findRegistrations(_ request: FindRegistrationsRequest, timeout: Duration? = nil) async throws -> [Registration] {
        try await call(OperatorAPI.findRegistrations, request, timeout: timeout).registrations
    }

    /// `Operator/ListRegistrations`.
    public func listRegistrations(_ request: OperatorListRegistrationsRequest, timeout: Duration? = nil) async throws -> ListRegistrationsResponse {
        try await call(OperatorAPI.listRegistrations, request, timeout: timeout)
    }

    /// `Operator/GetRegistration`.
    public func registration(id registrationID: String, timeout: Duration? = nil) async throws -> Registration {
        try await call(OperatorAPI.getRegistration, OperatorRegistrationRequest(registrationId: registrationID), timeout: timeout).registration
    }

    /// `Operator/UnlockRegistration`.
    public func unlockRegistration(_ registrationID: String, timeout: Duration? = nil) async throws -> Registration {
        try await call(OperatorAPI.unlockRegistration, UnlockRegistrationRequest(registrationId: registrationID), timeout: timeout).registration
    }

    /// `Operator/ResetCredentials`.
    public func resetCredentials(registrationID: String, reason: String, timeout: Duration? = nil) async throws -> CredentialsResetResponse {
        try await call(OperatorAPI.resetCredentials, OperatorResetCredentialsRequest(registrationId: registrationID, reason: reason), timeout: timeout)
    }

    /// `Operator/ReissueActivation`.
    public func reissueActivation(registrationID: String, reason: String? = nil, timeout: Duration? = nil) async throws -> RegistrationWithActivation {
        try await call(OperatorAPI.reissueActivation, OperatorReissueActivationRequest(registrationId: registrationID, reason: reason), timeout: timeout)
    }

    /// `Operator/ResetSecondFactor`.
    public func resetSecondFactor(registrationID: String, reason: String, timeout: Duration? = nil) async throws -> Registration {
        try await call(OperatorAPI.resetSecondFactor, ResetSecondFactorRequest(registrationId: registrationID, reason: reason), timeout: timeout).registration
    }

    /// `Operator/ListUserSessions`.
    public func userSessions(registrationID: String, timeout: Duration? = nil) async throws -> [SessionInfo] {
        try await call(OperatorAPI.listUserSessions, OperatorRegistrationRequest(registrationId: registrationID), timeout: timeout).sessions
    }

    /// `Operator/EndUserSessions`: how many ended.
    public func endUserSessions(registrationID: String, reason: String, timeout: Duration? = nil) async throws -> Int {
        try await call(OperatorAPI.endUserSessions, OperatorEndUserSessionsRequest(registrationId: registrationID, reason: reason), timeout: timeout).sessionsEnded
    }

    /// `Operator/ListAuditEvents`.
    public func listAuditEvents(_ request: ListAuditEventsRequest = ListAuditEventsRequest(), timeout: Duration? = nil) async throws -> ListAuditEventsResponse {
        try await call(OperatorAPI.listAuditEvents, request, timeout: timeout)
    }

    /// `Operator/Stats`.
    public func stats(timeout: Duration? = nil) async throws -> StatsResponse {
        try await call(OperatorAPI.stats, Empty(), timeout: timeout)
    }

    /// `Operator/Reload`: the changed settings that need a restart.
    public func reload(timeout: Duration? = nil) async throws -> [String] {
        try await call(OperatorAPI.reload, Empty(), timeout: timeout).restartRequired
    }
}
