/// Who holds which permission: the table of the web profiles (see README and Protocol/PROTOCOL.md).
public enum PermissionTable {
    /// What `profile` holds of `permission`.
    public static func grant(_ permission: Permission, to profile: Profile) -> Grant {
        switch (permission, profile) {
        case (.companyView, .legalRepresentative), (.companyView, .adminFull), (.companyView, .adminLight),
             (.invoicesView, .legalRepresentative), (.invoicesView, .adminFull), (.invoicesView, .adminLight),
             (.usersView, .legalRepresentative), (.usersView, .adminFull),
             (.usersManage, .legalRepresentative), (.usersManage, .adminFull),
             (.usersManageAdmins, .legalRepresentative),
             (.auditView, .legalRepresentative), (.auditView, .adminFull),
             (.linesView, .legalRepresentative), (.linesView, .adminFull), (.linesView, .adminLight):
            return .granted
        case (.lineServices, .legalRepresentative), (.lineServices, .adminFull),
             (.lineManage, .legalRepresentative), (.lineManage, .adminFull),
             (.linePremiumServices, .legalRepresentative), (.linePremiumServices, .adminFull),
             (.lineExclusiveOffers, .legalRepresentative), (.lineExclusiveOffers, .adminFull):
            return .lines(.any)
        case (.lineServices, .adminLight), (.lineManage, .adminLight),
             (.linePremiumServices, .adminLight), (.lineExclusiveOffers, .adminLight):
            return .lines(.mobile)
        case (.lineManage, .deviceUser), (.linePremiumServices, .deviceUser), (.lineExclusiveOffers, .deviceUser),
             (.lineManage, .user):
            return .lines(.own)
        default:
            return .denied
        }
    }

    /// Every permission `profile` holds in some form, in table order.
    public static func permissions(of profile: Profile) -> [Permission] {
        // One array per profile, shared by every principal that holds it (arrays copy on write).
        permissionsByProfile[profile] ?? []
    }

    private static let permissionsByProfile: [Profile: [Permission]] = Dictionary(uniqueKeysWithValues: Profile.allCases.map { profile in
        (profile, Permission.allCases.filter { grant($0, to: profile) != .denied })
    })
}
