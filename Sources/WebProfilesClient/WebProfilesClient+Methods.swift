import Foundation
import NIOCore
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesWire

/// One typed method per RPC. Session-bound calls take the session token of the person they are
/// for as `token:` (a backend serving many users shares one client and one connection), or use
/// the token set with ``WebProfilesClient/setSessionToken(_:)`` when given none; `companyID`,
/// where a method takes one, names the company the call is about (default: the session's
/// selected company, or the person's only one).
extension WebProfilesClient {
    // MARK: Health

    /// `Health/Check`.
    public func health(timeout: Duration? = nil) async throws -> HealthCheckResponse {
        try await call(HealthAPI.check, Empty(), timeout: timeout)
    }

    // MARK: Session

    /// `Session/Login`.
    ///
    /// - Parameter keepToken: whether the client keeps the new token for later calls that give
    ///   none (a backend logging in many people passes `false` and sends each one's `token:`).
    public func login(username: String, password: String, otp: String? = nil, companyID: String? = nil, keepToken: Bool = true,
                      timeout: Duration? = nil) async throws -> LoginResponse {
        let response = try await call(SessionAPI.login, LoginRequest(username: username, password: password, otp: otp, companyId: companyID),
                                      timeout: timeout)
        if keepToken { setSessionToken(response.sessionToken) }
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
    public func whoami(companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> WhoamiResponse {
        try await call(SessionAPI.whoami, WhoamiRequest(companyId: companyID), token: token, timeout: timeout)
    }

    /// `Session/Authorize`: the hot path of local services.
    ///
    /// Its answers are read in place, their principal decoded once per session
    /// (``AuthorizeAnswerReader``): prefer it to `call(SessionAPI.authorize, …)` on hot paths.
    public func authorize(_ permission: Permission, line: String? = nil, companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> AuthorizeResponse {
        let payload = AuthorizeRequestWriter.payload(AuthorizeRequest(permission: permission, line: line, companyId: companyID),
                                                     timeoutMillis: timeout?.wholeMilliseconds, metadata: callMetadata([:], token: token))
        let frame = try await send(payload: consume payload, timeout: timeout)
        if frame.status == .ok, let answer = frame.payload.withUnsafeReadableBytes({ authorizeAnswers.read($0) }) { return answer }
        return try Self.decode(frame, of: SessionAPI.authorize)
    }

    /// `Session/AuthorizeMany`: the decisions of `checks` (at most
    /// ``AuthorizeManyRequest/maxChecks``), in their order.
    public func authorizeMany(_ checks: [AuthorizationCheck], companyID: String? = nil, token: String? = nil,
                              timeout: Duration? = nil) async throws -> AuthorizeManyResponse {
        try await call(SessionAPI.authorizeMany, AuthorizeManyRequest(checks: checks, companyId: companyID), token: token, timeout: timeout)
    }

    /// `Session/ListAuthorizedLines`: a page of the company lines `permission` reaches.
    public func listAuthorizedLines(_ permission: Permission, pageSize: Int? = nil, pageToken: String? = nil, companyID: String? = nil,
                                    token: String? = nil, timeout: Duration? = nil) async throws -> ListAuthorizedLinesResponse {
        try await call(SessionAPI.listAuthorizedLines,
                       ListAuthorizedLinesRequest(permission: permission, pageSize: pageSize, pageToken: pageToken, companyId: companyID),
                       token: token, timeout: timeout)
    }

    /// `Session/SelectCompany`.
    public func selectCompany(_ companyID: String, token: String? = nil, timeout: Duration? = nil) async throws -> Principal {
        try await call(SessionAPI.selectCompany, SelectCompanyRequest(companyId: companyID), token: token, timeout: timeout).principal
    }

    /// `Session/AcceptInvitation`.
    public func acceptInvitation(code: String, token: String? = nil, timeout: Duration? = nil) async throws -> Principal {
        try await call(SessionAPI.acceptInvitation, AcceptInvitationRequest(invitationCode: code), token: token, timeout: timeout).principal
    }

    /// `Session/GetAccount`.
    public func account(token: String? = nil, timeout: Duration? = nil) async throws -> Account {
        try await call(SessionAPI.getAccount, Empty(), token: token, timeout: timeout).account
    }

    /// `Session/UpdateMyDetails`.
    public func updateMyDetails(_ request: UpdateMyDetailsRequest, token: String? = nil, timeout: Duration? = nil) async throws -> Account {
        try await call(SessionAPI.updateMyDetails, request, token: token, timeout: timeout).account
    }

    /// `Session/Logout` of `token`'s session; without one, of the client's own, which it then
    /// forgets.
    public func logout(token: String? = nil, timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.logout, Empty(), token: token, timeout: timeout)
        if token == nil { setSessionToken(nil) }
    }

    /// `Session/ListSessions`.
    public func listSessions(token: String? = nil, timeout: Duration? = nil) async throws -> [SessionInfo] {
        try await call(SessionAPI.listSessions, Empty(), token: token, timeout: timeout).sessions
    }

    /// `Session/RevokeSession`.
    public func revokeSession(_ sessionID: String, token: String? = nil, timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.revokeSession, RevokeSessionRequest(sessionId: sessionID), token: token, timeout: timeout)
    }

    /// `Session/RevokeOtherSessions`: signs out everywhere else; returns how many ended.
    public func revokeOtherSessions(token: String? = nil, timeout: Duration? = nil) async throws -> Int {
        try await call(SessionAPI.revokeOtherSessions, Empty(), token: token, timeout: timeout).sessionsEnded
    }

    /// `Session/ChangePassword`.
    public func changePassword(current: String, new: String, token: String? = nil, timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.changePassword, ChangePasswordRequest(currentPassword: current, newPassword: new), token: token, timeout: timeout)
    }

    /// `Session/BeginTOTPEnrollment`.
    public func beginTOTPEnrollment(token: String? = nil, timeout: Duration? = nil) async throws -> BeginTOTPEnrollmentResponse {
        try await call(SessionAPI.beginTOTPEnrollment, Empty(), token: token, timeout: timeout)
    }

    /// `Session/ConfirmTOTPEnrollment`: the recovery codes.
    public func confirmTOTPEnrollment(code: String, token: String? = nil, timeout: Duration? = nil) async throws -> [String] {
        try await call(SessionAPI.confirmTOTPEnrollment, ConfirmTOTPEnrollmentRequest(code: code), token: token, timeout: timeout).recoveryCodes
    }

    /// `Session/DisableTOTP`.
    public func disableTOTP(password: String, token: String? = nil, timeout: Duration? = nil) async throws {
        _ = try await call(SessionAPI.disableTOTP, DisableTOTPRequest(password: password), token: token, timeout: timeout)
    }

    // MARK: Profiles

    /// `Profiles/ListRegistrations`.
    public func listRegistrations(_ request: ListRegistrationsRequest = ListRegistrationsRequest(), token: String? = nil, timeout: Duration? = nil) async throws -> ListRegistrationsResponse {
        try await call(ProfilesAPI.listRegistrations, request, token: token, timeout: timeout)
    }

    /// `Profiles/GetRegistration`.
    public func registration(_ registrationID: String, companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.getRegistration, GetRegistrationRequest(registrationId: registrationID, companyId: companyID), token: token, timeout: timeout).registration
    }

    /// `Profiles/RegisterUser`.
    public func registerUser(_ request: RegisterUserRequest, token: String? = nil, timeout: Duration? = nil) async throws -> RegistrationWithActivation {
        try await call(ProfilesAPI.registerUser, request, token: token, timeout: timeout)
    }

    /// `Profiles/ChangeProfile`.
    public func changeProfile(_ request: ChangeProfileRequest, token: String? = nil, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.changeProfile, request, token: token, timeout: timeout).registration
    }

    /// `Profiles/RevokeCredentials`.
    public func revokeCredentials(_ registrationID: String, reason: String? = nil, companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: registrationID, reason: reason, companyId: companyID),
                       token: token, timeout: timeout).registration
    }

    /// `Profiles/RestoreCredentials`.
    public func restoreCredentials(_ registrationID: String, companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> RegistrationWithActivation {
        try await call(ProfilesAPI.restoreCredentials, RestoreCredentialsRequest(registrationId: registrationID, companyId: companyID), token: token, timeout: timeout)
    }

    /// `Profiles/GetCompany`: the caller's company.
    public func company(companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> Company {
        try await call(ProfilesAPI.getCompany, GetOwnCompanyRequest(companyId: companyID), token: token, timeout: timeout).company
    }

    /// `Profiles/UpdateRegistration`.
    public func updateRegistration(_ request: UpdateRegistrationRequest, token: String? = nil, timeout: Duration? = nil) async throws -> Registration {
        try await call(ProfilesAPI.updateRegistration, request, token: token, timeout: timeout).registration
    }

    /// `Profiles/ResetCredentials`: the delivery for the portal to send to the person.
    public func resetCredentials(_ registrationID: String, companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> CredentialsResetResponse {
        try await call(ProfilesAPI.resetCredentials, ResetCredentialsRequest(registrationId: registrationID, companyId: companyID), token: token, timeout: timeout)
    }

    /// `Profiles/ReissueActivation`.
    public func reissueActivation(_ registrationID: String, companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> RegistrationWithActivation {
        try await call(ProfilesAPI.reissueActivation, ReissueActivationRequest(registrationId: registrationID, companyId: companyID), token: token, timeout: timeout)
    }

    /// `Profiles/ListUserSessions`.
    public func userSessions(_ registrationID: String, companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> [SessionInfo] {
        try await call(ProfilesAPI.listUserSessions, UserSessionsRequest(registrationId: registrationID, companyId: companyID), token: token, timeout: timeout).sessions
    }

    /// `Profiles/EndUserSessions`: how many ended.
    public func endUserSessions(_ registrationID: String, companyID: String? = nil, token: String? = nil, timeout: Duration? = nil) async throws -> Int {
        try await call(ProfilesAPI.endUserSessions, UserSessionsRequest(registrationId: registrationID, companyId: companyID), token: token, timeout: timeout).sessionsEnded
    }

    /// `Profiles/ListAuditEvents`: the company's audit trail.
    public func companyAuditEvents(_ request: ListCompanyAuditEventsRequest = ListCompanyAuditEventsRequest(), token: String? = nil, timeout: Duration? = nil) async throws -> ListAuditEventsResponse {
        try await call(ProfilesAPI.listAuditEvents, request, token: token, timeout: timeout)
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

    /// `Operator/Metrics`: every metric, in the Prometheus text exposition format.
    public func metrics(timeout: Duration? = nil) async throws -> MetricsResponse {
        try await call(OperatorAPI.metrics, Empty(), timeout: timeout)
    }
}
