/// A web registration profile, from most to least powerful.
public enum Profile: String, Codable, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case legalRepresentative
    case adminFull
    case adminLight
    case deviceUser
    case user

    /// 0 for the most powerful profile; larger is less powerful.
    public var rank: Int {
        switch self {
        case .legalRepresentative: 0
        case .adminFull: 1
        case .adminLight: 2
        case .deviceUser: 3
        case .user: 4
        }
    }

    /// `a < b` when `a` is less powerful than `b`.
    public static func < (a: Profile, b: Profile) -> Bool { a.rank > b.rank }

    /// The name the customer area shows (Italian).
    public var italianName: String {
        switch self {
        case .legalRepresentative: "Rappresentante Legale"
        case .adminFull: "Amministratore Full"
        case .adminLight: "Amministratore Light"
        case .deviceUser: "Utilizzatore dispositivo"
        case .user: "Utilizzatore"
        }
    }

    /// Whether registrations with this profile must hold one mobile line of the company.
    public var requiresLine: Bool { self == .user || self == .deviceUser }

    /// Whether registrations with this profile may carry a contract referent type.
    public var allowsReferent: Bool { self == .adminLight }

    public var description: String { rawValue }
}
