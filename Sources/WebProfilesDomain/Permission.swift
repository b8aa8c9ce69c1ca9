/// A right checked by `Session/Authorize`, as its wire string.
public enum Permission: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case companyView = "company.view"
    case invoicesView = "invoices.view"
    case usersView = "users.view"
    case usersManage = "users.manage"
    case usersManageAdmins = "users.manageAdmins"
    /// The company's audit trail (`Profiles/ListAuditEvents`).
    case auditView = "audit.view"
    case linesView = "lines.view"
    case lineServices = "line.services"
    case lineManage = "line.manage"
    case linePremiumServices = "line.premiumServices"
    case lineExclusiveOffers = "line.exclusiveOffers"

    /// Line permissions are checked against a `line` argument.
    public var isLineScoped: Bool { rawValue.hasPrefix("line.") }

    public var description: String { rawValue }
}

/// Which lines a line permission reaches.
public enum LineScope: String, Sendable, Hashable {
    /// Any line of the own company.
    case any
    /// The own company's mobile lines only.
    case mobile
    /// The registration's own line only.
    case own
}

/// What a profile holds of one permission.
public enum Grant: Sendable, Hashable {
    case denied
    case granted
    case lines(LineScope)
}
