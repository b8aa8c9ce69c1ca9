/// The answer to "may this registration do that (on that line)?".
public struct AuthorizationDecision: Sendable, Hashable {
    public var allowed: Bool
    /// A short reason safe to show; it never reveals whether a line exists outside the caller's scope.
    public var reason: String

    public static let granted = AuthorizationDecision(allowed: true, reason: "granted")
    public static let profileLacksPermission = AuthorizationDecision(allowed: false, reason: "the profile does not hold this permission")
    public static let lineOutOfScope = AuthorizationDecision(allowed: false, reason: "the line is not in the caller's scope")

    /// Decides `permission` for a registration.
    ///
    /// - Parameters:
    ///   - profile: the registration's profile.
    ///   - ownLine: the registration's own line, if it holds one.
    ///   - line: the line asked about (normalised MSISDN), for line permissions.
    ///   - companyLineKind: the kind of `line` if it is a line of the registration's company,
    ///     nil if it is not (another company's line and a line that exists nowhere look the same).
    public static func decide(permission: Permission, profile: Profile, ownLine: String?, line: String?,
                              companyLineKind: LineKind?) -> AuthorizationDecision {
        switch PermissionTable.grant(permission, to: profile) {
        case .denied:
            return .profileLacksPermission
        case .granted:
            return .granted
        case .lines(let scope):
            guard let line, let kind = companyLineKind else { return .lineOutOfScope }
            switch scope {
            case .any: return .granted
            case .mobile: return kind == .mobile ? .granted : .lineOutOfScope
            case .own: return line == ownLine ? .granted : .lineOutOfScope
            }
        }
    }
}
