/// Gestione utenze: who may register, change, revoke and restore whom, and grant what.
///
/// The actor needs `users.manage` and acts only inside its own company. The legal representative
/// may act on any registration of the company except its own and grant any profile except
/// legalRepresentative. An adminFull acts only on registrations below adminFull and grants only
/// profiles below adminFull. Nobody acts on their own registration.
public enum ManagementRules {
    /// Why an action is refused.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        case lacksUsersManage
        case otherCompany
        case ownRegistration
        case targetTooPowerful(Profile)
        case profileNotGrantable(Profile)

        public var description: String {
            switch self {
            case .lacksUsersManage: "the profile does not hold users.manage"
            case .otherCompany: "the registration belongs to another company"
            case .ownRegistration: "nobody changes, revokes or restores their own registration"
            case .targetTooPowerful(let p): "a \(p) registration can only be managed by someone above it"
            case .profileNotGrantable(let p): "the \(p) profile cannot be granted by this profile"
            }
        }
    }

    /// Whether `actor` may grant `profile` (register someone with it, or change someone to it).
    public static func mayGrant(_ profile: Profile, actor: Profile) -> Bool {
        switch actor {
        case .legalRepresentative: profile != .legalRepresentative
        case .adminFull: profile < .adminFull
        default: false
        }
    }

    /// Whether `actor` may act on a registration holding `target`.
    public static func mayManage(_ target: Profile, actor: Profile) -> Bool {
        switch actor {
        case .legalRepresentative: target != .legalRepresentative
        case .adminFull: target < .adminFull
        default: false
        }
    }

    /// Checks a registration by `actor` of a new registration with `profile`.
    public static func checkRegister(actor: Profile, profile: Profile) throws(Refusal) {
        guard PermissionTable.grant(.usersManage, to: actor) != .denied else { throw .lacksUsersManage }
        guard mayGrant(profile, actor: actor) else { throw .profileNotGrantable(profile) }
    }

    /// Checks a change, revocation or restoration by `actor` of `target` (and, for changes, the
    /// profile it would get).
    public static func checkManage(actorID: String, actorCompany: String, actor: Profile,
                                   targetID: String, targetCompany: String, target: Profile,
                                   newProfile: Profile? = nil) throws(Refusal) {
        guard PermissionTable.grant(.usersManage, to: actor) != .denied else { throw .lacksUsersManage }
        guard actorCompany == targetCompany else { throw .otherCompany }
        guard actorID != targetID else { throw .ownRegistration }
        guard mayManage(target, actor: actor) else { throw .targetTooPowerful(target) }
        if let newProfile, !mayGrant(newProfile, actor: actor) { throw .profileNotGrantable(newProfile) }
    }
}
