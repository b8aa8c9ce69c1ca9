import Testing
import WebProfilesDomain

@Suite("Permission table")
struct PermissionTableTests {
    /// The table of the issue, row by row: legalRepresentative, adminFull, adminLight, deviceUser, user.
    static let expected: [(Permission, [Grant])] = [
        (.companyView, [.granted, .granted, .granted, .denied, .denied]),
        (.invoicesView, [.granted, .granted, .granted, .denied, .denied]),
        (.usersView, [.granted, .granted, .denied, .denied, .denied]),
        (.usersManage, [.granted, .granted, .denied, .denied, .denied]),
        (.usersManageAdmins, [.granted, .denied, .denied, .denied, .denied]),
        (.auditView, [.granted, .granted, .denied, .denied, .denied]),
        (.linesView, [.granted, .granted, .granted, .denied, .denied]),
        (.lineServices, [.lines(.any), .lines(.any), .lines(.mobile), .denied, .denied]),
        (.lineManage, [.lines(.any), .lines(.any), .lines(.mobile), .lines(.own), .lines(.own)]),
        (.linePremiumServices, [.lines(.any), .lines(.any), .lines(.mobile), .lines(.own), .denied]),
        (.lineExclusiveOffers, [.lines(.any), .lines(.any), .lines(.mobile), .lines(.own), .denied]),
    ]

    static var cells: [(Permission, Profile, Grant)] {
        expected.flatMap { permission, grants in zip(Profile.allCases, grants).map { (permission, $0, $1) } }
    }

    @Test("every cell of the table", arguments: cells)
    func cell(permission: Permission, profile: Profile, grant: Grant) {
        #expect(PermissionTable.grant(permission, to: profile) == grant)
    }

    @Test func tableCoversEveryPermission() {
        #expect(Set(Self.expected.map(\.0)) == Set(Permission.allCases))
        #expect(Self.cells.count == 55)
    }

    @Test func wireStrings() {
        #expect(Permission.allCases.map(\.rawValue) == [
            "company.view", "invoices.view", "users.view", "users.manage", "users.manageAdmins", "audit.view", "lines.view",
            "line.services", "line.manage", "line.premiumServices", "line.exclusiveOffers",
        ])
        #expect(Profile.allCases.map(\.rawValue) == ["legalRepresentative", "adminFull", "adminLight", "deviceUser", "user"])
        #expect(Profile.allCases.map(\.italianName) == ["Rappresentante Legale", "Amministratore Full", "Amministratore Light", "Utilizzatore dispositivo", "Utilizzatore"])
    }

    @Test func profilesAreOrderedByPower() {
        #expect(Profile.user < Profile.deviceUser)
        #expect(Profile.deviceUser < Profile.adminLight)
        #expect(Profile.adminLight < Profile.adminFull)
        #expect(Profile.adminFull < Profile.legalRepresentative)
    }

    struct LineCase: Sendable, CustomTestStringConvertible {
        var permission: Permission
        var profile: Profile
        var ownLine: String?
        var line: String
        var kind: LineKind?
        var allowed: Bool
        var testDescription: String { "\(profile) \(permission) \(line) (\(kind.map(\.rawValue) ?? "not ours")) -> \(allowed)" }
    }

    static let lineCases: [LineCase] = [
        LineCase(permission: .lineServices, profile: .adminFull, ownLine: nil, line: "+390612345678", kind: .fixed, allowed: true),
        LineCase(permission: .lineServices, profile: .adminLight, ownLine: nil, line: "+390612345678", kind: .fixed, allowed: false),
        LineCase(permission: .lineServices, profile: .adminLight, ownLine: nil, line: "+393331234567", kind: .mobile, allowed: true),
        LineCase(permission: .lineManage, profile: .user, ownLine: "+393331234567", line: "+393331234567", kind: .mobile, allowed: true),
        LineCase(permission: .lineManage, profile: .user, ownLine: "+393331234567", line: "+393339999999", kind: .mobile, allowed: false),
        LineCase(permission: .linePremiumServices, profile: .deviceUser, ownLine: "+393331234567", line: "+393331234567", kind: .mobile, allowed: true),
        LineCase(permission: .linePremiumServices, profile: .user, ownLine: "+393331234567", line: "+393331234567", kind: .mobile, allowed: false),
        LineCase(permission: .lineManage, profile: .legalRepresentative, ownLine: nil, line: "+393331234567", kind: nil, allowed: false),
        LineCase(permission: .lineManage, profile: .user, ownLine: "+393331234567", line: "+393331234567", kind: nil, allowed: false),
    ]

    @Test("line scopes", arguments: lineCases)
    func lineScope(c: LineCase) {
        let decision = AuthorizationDecision.decide(permission: c.permission, profile: c.profile, ownLine: c.ownLine, line: c.line, companyLineKind: c.kind)
        #expect(decision.allowed == c.allowed)
    }

    @Test func outOfScopeLinesLookTheSameWhetherTheyExistOrNot() {
        let elsewhere = AuthorizationDecision.decide(permission: .lineManage, profile: .adminFull, ownLine: nil, line: "+393330000001", companyLineKind: nil)
        let nowhere = AuthorizationDecision.decide(permission: .lineManage, profile: .adminFull, ownLine: nil, line: "+393330000002", companyLineKind: nil)
        #expect(elsewhere == nowhere)
    }
}

@Suite("Management rules (Gestione utenze)")
struct ManagementRulesTests {
    static let pairs: [(Profile, Profile)] = Profile.allCases.flatMap { a in Profile.allCases.map { (a, $0) } }

    @Test("who may grant what", arguments: pairs)
    func grant(actor: Profile, profile: Profile) {
        let expected: Bool = switch actor {
        case .legalRepresentative: profile != .legalRepresentative
        case .adminFull: profile == .adminLight || profile == .deviceUser || profile == .user
        default: false
        }
        #expect(ManagementRules.mayGrant(profile, actor: actor) == expected)
        let registerAllowed = (try? ManagementRules.checkRegister(actor: actor, profile: profile)) != nil
        #expect(registerAllowed == expected)
    }

    @Test("who may act on whom", arguments: pairs)
    func manage(actor: Profile, target: Profile) {
        let allowed = (try? ManagementRules.checkManage(actorID: "a", actorCompany: "c", actor: actor, targetID: "t", targetCompany: "c", target: target)) != nil
        let expected: Bool = switch actor {
        case .legalRepresentative: target != .legalRepresentative
        case .adminFull: target < .adminFull
        default: false
        }
        #expect(allowed == expected)
    }

    @Test func nobodyActsOnThemselvesOrAcrossCompanies() {
        #expect(throws: ManagementRules.Refusal.ownRegistration) {
            try ManagementRules.checkManage(actorID: "a", actorCompany: "c", actor: .legalRepresentative, targetID: "a", targetCompany: "c", target: .adminFull)
        }
        #expect(throws: ManagementRules.Refusal.otherCompany) {
            try ManagementRules.checkManage(actorID: "a", actorCompany: "c", actor: .legalRepresentative, targetID: "t", targetCompany: "d", target: .user)
        }
        #expect(throws: ManagementRules.Refusal.profileNotGrantable(.adminFull)) {
            try ManagementRules.checkManage(actorID: "a", actorCompany: "c", actor: .adminFull, targetID: "t", targetCompany: "c", target: .user, newProfile: .adminFull)
        }
    }
}
