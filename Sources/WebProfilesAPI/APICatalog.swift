import CBOR

/// A method of the protocol without its message types, for code that works on every method.
public protocol AnyMethodDescriptor: Sendable {
    /// The full name, `webprofiles.v1.<Service>/<Method>`.
    var name: String { get }
    /// Whether the call needs `authorization: Bearer <token>` metadata.
    var requiresSession: Bool { get }
    /// Decodes the method's request message stored under `key` of `document`'s top-level map.
    func decodeRequest(from document: CBORDocument, key: String) throws -> any Sendable
}

extension MethodDescriptor: AnyMethodDescriptor {
    public func decodeRequest(from document: CBORDocument, key: String) throws -> any Sendable {
        try CBORDecoder().decode(Request.self, from: document, key: key)
    }
}

/// Every method of the protocol (the fuzzer decodes each one's requests; a test checks the
/// daemon serves exactly these).
public enum APICatalog {
    public static let methods: [any AnyMethodDescriptor] = [
        HealthAPI.check,
        SessionAPI.login, SessionAPI.activate, SessionAPI.requestRecovery, SessionAPI.completeRecovery, SessionAPI.whoami,
        SessionAPI.authorize, SessionAPI.authorizeMany, SessionAPI.listAuthorizedLines, SessionAPI.selectCompany, SessionAPI.acceptInvitation, SessionAPI.getAccount, SessionAPI.updateMyDetails,
        SessionAPI.logout, SessionAPI.listSessions, SessionAPI.revokeSession, SessionAPI.revokeOtherSessions, SessionAPI.changePassword,
        SessionAPI.beginTOTPEnrollment, SessionAPI.confirmTOTPEnrollment, SessionAPI.disableTOTP,
        ProfilesAPI.listRegistrations, ProfilesAPI.getRegistration, ProfilesAPI.registerUser, ProfilesAPI.changeProfile,
        ProfilesAPI.revokeCredentials, ProfilesAPI.restoreCredentials, ProfilesAPI.getCompany, ProfilesAPI.updateRegistration,
        ProfilesAPI.resetCredentials, ProfilesAPI.reissueActivation, ProfilesAPI.listUserSessions, ProfilesAPI.endUserSessions,
        ProfilesAPI.listAuditEvents,
        OperatorAPI.createCompany, OperatorAPI.changeLegalRepresentative, OperatorAPI.addLines, OperatorAPI.removeLine,
        OperatorAPI.listCompanies, OperatorAPI.getCompany, OperatorAPI.unlockRegistration, OperatorAPI.listAuditEvents,
        OperatorAPI.findCompanies, OperatorAPI.findRegistrations, OperatorAPI.listRegistrations, OperatorAPI.getRegistration,
        OperatorAPI.updateLegalRepresentative, OperatorAPI.setReferentTypes, OperatorAPI.resetCredentials, OperatorAPI.reissueActivation,
        OperatorAPI.resetSecondFactor, OperatorAPI.listUserSessions, OperatorAPI.endUserSessions,
        OperatorAPI.stats, OperatorAPI.reload, OperatorAPI.metrics,
    ]

    /// The methods by name.
    public static let byName: [String: any AnyMethodDescriptor] = Dictionary(uniqueKeysWithValues: methods.map { ($0.name, $0) })
}
