import Foundation
import PropertyBased
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// Random sequences of operations by random actors across several companies, run against the
/// real daemon (restarted in the middle of each sequence) and checked against a small reference
/// model written independently of the daemon's rules.
@Suite("Reference model (property)", .serialized)
struct ModelPropertyTests {
    @Test(.shrinking(false)) // each run starts a daemon: report the seed rather than shrink
    func randomOperationSequencesMatchTheModel() async throws {
        await propertyCheck(count: 6, input: Gen.uint8(in: 0...255).array(of: 300...300)) { seed in
            try await ModelRun(seed: seed).run(steps: 100)
        }
    }
}

/// The reference model: plain data and hand-written rules (deliberately not the daemon's code).
struct Model {
    struct Reg {
        var id: String
        var company: Int
        var username: String
        var profile: String
        var status: String // pending, active, revoked
        var line: String?
        var failures = 0
        var locked = false
        var activationCode: String?
    }

    struct Session {
        var token: String
        var registration: String
        var alive = true
    }

    var companies: [String] = []
    var lines: [[(String, String)]] = [] // per company: (msisdn, kind)
    var regs: [String: Reg] = [:]
    var sessions: [Session] = []

    static let rank = ["legalRepresentative": 0, "adminFull": 1, "adminLight": 2, "deviceUser": 3, "user": 4]
    static let profiles = ["legalRepresentative", "adminFull", "adminLight", "deviceUser", "user"]

    static func manages(_ actor: String) -> Bool { actor == "legalRepresentative" || actor == "adminFull" }
    static func mayTouch(_ target: String, actor: String) -> Bool {
        actor == "legalRepresentative" ? target != "legalRepresentative" : actor == "adminFull" && rank[target]! > 1
    }
    static func needsLine(_ p: String) -> Bool { p == "user" || p == "deviceUser" }

    /// The table of the issue, written out again.
    static func allowed(profile: String, permission: String, line: String?, own: String?, lineKind: String?) -> Bool {
        let p = rank[profile]!
        switch permission {
        case "company.view", "invoices.view", "lines.view": return p <= 2
        case "users.view", "users.manage": return p <= 1
        case "users.manageAdmins": return p == 0
        default:
            guard let lineKind else { return false }
            if p <= 1 { return true }
            if p == 2 { return lineKind == "mobile" }
            if permission == "line.services" { return false }
            if p == 4 && permission != "line.manage" { return false }
            return line == own
        }
    }

    func lineOwner(_ company: Int, _ line: String) -> (String)? {
        lines[company].first { $0.0 == line }?.1
    }

    func heldByLive(_ line: String, except: String?) -> Bool {
        regs.values.contains { $0.line == line && $0.status != "revoked" && $0.id != except }
    }

    /// The expected status of a line check for `profile` in `company`.
    func lineStatus(profile: String, line: String?, company: Int, holder: String?) -> StatusCode? {
        guard Self.needsLine(profile) else { return line == nil ? nil : .invalidArgument }
        guard let line, lineOwner(company, line) == "mobile" else { return .invalidArgument }
        return heldByLive(line, except: holder) ? .alreadyExists : nil
    }
}

/// One sequence: builds three companies, then applies operations chosen by the seed.
final class ModelRun: @unchecked Sendable {
    // @unchecked: used by one test task only.
    var bytes: [UInt8]
    var position = 0
    var model = Model()
    var counter = 0
    let daemon: DaemonProcess
    let operatorClient: WebProfilesClient
    let anon: WebProfilesClient
    static let password = "Correct-Horse-42"

    init(seed: [UInt8]) throws {
        bytes = seed
        daemon = try DaemonProcess()
        operatorClient = daemon.operatorClient()
        anon = daemon.apiClient()
    }

    func next(_ n: Int) -> Int {
        defer { position += 1 }
        return n == 0 ? 0 : Int(bytes[position % bytes.count] ^ UInt8(truncatingIfNeeded: position / bytes.count)) % n
    }

    func client(_ token: String) -> WebProfilesClient { daemon.apiClient(token: token) }

    func run(steps: Int) async throws {
        let vats = ["01234567897", "12345678903", "00743110157"]
        for (c, vat) in vats.enumerated() {
            let created = try await operatorClient.call(OperatorAPI.createCompany, CreateCompanyRequest(name: "Company \(c)", vatNumber: vat,
                legalRepresentative: LegalRepresentativeRequest(fullName: "Rep \(c)", fiscalCode: "RSSMRA80A01H501U", email: "rep\(c)@x.example", username: "rep\(c)")))
            let lines = (1...4).map { ("+39333\(c)00000\($0)", "mobile") } + [("+3906\(c)000001", "fixed")]
            _ = try await operatorClient.call(OperatorAPI.addLines, AddLinesRequest(companyId: created.company.companyId, lines: lines.map { Line(msisdn: $0.0, kind: LineKind(rawValue: $0.1)!) }))
            model.companies.append(created.company.companyId)
            model.lines.append(lines)
            let id = created.registration.registrationId
            model.regs[id] = Model.Reg(id: id, company: c, username: "rep\(c)", profile: "legalRepresentative", status: "pending", activationCode: created.activationCode)
            try await activate(id)
            try await login(id, correct: true)
        }
        for step in 0..<steps {
            if step == steps / 2 { try daemon.restart(kill: next(2) == 0) }
            try await randomOperation(step: step)
            try await checkSessions()
        }
    }

    // MARK: Operations

    var liveSessions: [Model.Session] { model.sessions.filter(\.alive) }

    func randomOperation(step: Int) async throws {
        let live = liveSessions
        switch next(12) {
        case 0, 1:
            guard let actor = live.randomElement(using: self) else { return }
            try await register(actor: actor)
        case 2, 3:
            guard let pending = model.regs.values.filter({ $0.status == "pending" }).sorted(by: { $0.id < $1.id }).randomElement(using: self) else { return }
            try await activate(pending.id)
            try await login(pending.id, correct: true)
        case 4:
            guard let actor = live.randomElement(using: self), let target = model.regs.values.sorted(by: { $0.id < $1.id }).randomElement(using: self) else { return }
            try await changeProfile(actor: actor, target: target)
        case 5:
            guard let actor = live.randomElement(using: self), let target = model.regs.values.sorted(by: { $0.id < $1.id }).randomElement(using: self) else { return }
            try await revokeOrRestore(actor: actor, target: target, revoke: next(3) != 0)
        case 6:
            guard let reg = model.regs.values.sorted(by: { $0.id < $1.id }).randomElement(using: self) else { return }
            try await login(reg.id, correct: next(3) != 0)
        case 7, 8, 9:
            guard let session = live.randomElement(using: self) else { return }
            try await authorize(session)
        case 10:
            guard let session = live.randomElement(using: self) else { return }
            _ = try await client(session.token).call(SessionAPI.logout, Empty())
            kill { $0.token == session.token }
        default:
            guard let reg = model.regs.values.filter(\.locked).sorted(by: { $0.id < $1.id }).randomElement(using: self) else { return }
            _ = try await operatorClient.call(OperatorAPI.unlockRegistration, UnlockRegistrationRequest(registrationId: reg.id))
            model.regs[reg.id]!.locked = false
            model.regs[reg.id]!.failures = 0
        }
    }

    func kill(_ predicate: (Model.Session) -> Bool) {
        for i in model.sessions.indices where predicate(model.sessions[i]) { model.sessions[i].alive = false }
    }

    func expect(_ status: StatusCode?, _ expected: StatusCode?, _ what: String) {
        #expect(status == expected, "\(what): got \(status?.name ?? "OK"), model says \(expected?.name ?? "OK")")
    }

    func register(actor: Model.Session) async throws {
        let actorReg = model.regs[actor.registration]!
        let profile = Model.profiles[next(5)]
        let line = pickLine()
        counter += 1
        let username = "user\(counter)"
        var expected: StatusCode?
        if !Model.manages(actorReg.profile) || !Model.mayTouch(profile, actor: actorReg.profile) {
            expected = .permissionDenied
        } else {
            expected = model.lineStatus(profile: profile, line: line, company: actorReg.company, holder: nil)
        }
        var newID: String?
        var code: String?
        let status = await statusOf {
            let r = try await client(actor.token).call(ProfilesAPI.registerUser, RegisterUserRequest(
                username: username, displayName: username, email: "\(username)@x.example", profile: Profile(rawValue: profile)!, line: line))
            newID = r.registration.registrationId
            code = r.activationCode
            #expect(r.registration.companyId == model.companies[actorReg.company], "registered into another company")
            return r
        }
        expect(status, expected, "register \(profile) line \(line ?? "-") by \(actorReg.profile)")
        if let newID, status == nil {
            model.regs[newID] = Model.Reg(id: newID, company: actorReg.company, username: username, profile: profile, status: "pending",
                                          line: Model.needsLine(profile) ? line : nil, activationCode: code)
        }
    }

    func pickLine() -> String? {
        switch next(4) {
        case 0: return nil
        case 1: return "+393399999999" // exists nowhere
        default:
            let c = next(model.lines.count)
            return model.lines[c][next(model.lines[c].count)].0
        }
    }

    func activate(_ id: String) async throws {
        guard let code = model.regs[id]?.activationCode else { return }
        _ = try await anon.call(SessionAPI.activate, ActivateRequest(activationCode: code, password: Self.password))
        model.regs[id]!.status = "active"
        model.regs[id]!.activationCode = nil
    }

    func login(_ id: String, correct: Bool) async throws {
        let reg = model.regs[id]!
        let canLogIn = reg.status == "active" && !reg.locked
        var token: String?
        let status = await statusOf {
            let r = try await anon.call(SessionAPI.login, LoginRequest(username: reg.username.uppercased(), password: correct ? Self.password : "wrong-password-1"))
            token = r.sessionToken
            return r
        }
        expect(status, canLogIn && correct ? nil : .unauthenticated, "login \(reg.status) locked=\(reg.locked) correct=\(correct)")
        if canLogIn && !correct {
            model.regs[id]!.failures += 1
            if model.regs[id]!.failures >= 5 {
                model.regs[id]!.locked = true
                model.regs[id]!.failures = 0
            }
        }
        if let token {
            model.regs[id]!.failures = 0
            model.sessions.append(Model.Session(token: token, registration: id))
            let mine = model.sessions.filter { $0.alive && $0.registration == id }
            if mine.count > 10 { kill { $0.token == mine[0].token } }
            // Every fresh token works.
            let whoami = try await client(token).call(SessionAPI.whoami, WhoamiRequest())
            #expect(whoami.principal.registrationId == id)
        }
    }

    func changeProfile(actor: Model.Session, target: Model.Reg) async throws {
        let actorReg = model.regs[actor.registration]!
        let profile = Model.profiles[next(5)]
        let line = next(2) == 0 ? nil : pickLine()
        let expected: StatusCode? = {
            guard Model.manages(actorReg.profile) else { return .permissionDenied }
            guard target.company == actorReg.company else { return .notFound }
            guard target.id != actorReg.id, Model.mayTouch(target.profile, actor: actorReg.profile), Model.mayTouch(profile, actor: actorReg.profile) else { return .permissionDenied }
            guard target.status != "revoked" else { return .failedPrecondition }
            let wanted = line ?? (Model.needsLine(profile) ? target.line : nil)
            return model.lineStatus(profile: profile, line: wanted, company: target.company, holder: target.id)
        }()
        let status = await statusOf {
            try await client(actor.token).call(ProfilesAPI.changeProfile, ChangeProfileRequest(registrationId: target.id, profile: Profile(rawValue: profile)!, line: line))
        }
        expect(status, expected, "change \(target.profile)->\(profile) line \(line ?? "-") by \(actorReg.profile) same company \(target.company == actorReg.company)")
        if status == nil {
            model.regs[target.id]!.line = Model.needsLine(profile) ? (line ?? target.line) : nil
            model.regs[target.id]!.profile = profile
        }
    }

    func revokeOrRestore(actor: Model.Session, target: Model.Reg, revoke: Bool) async throws {
        let actorReg = model.regs[actor.registration]!
        let expected: StatusCode? = {
            guard Model.manages(actorReg.profile) else { return .permissionDenied }
            guard target.company == actorReg.company else { return .notFound }
            guard target.id != actorReg.id, Model.mayTouch(target.profile, actor: actorReg.profile) else { return .permissionDenied }
            if revoke { return target.status == "revoked" ? .failedPrecondition : nil }
            guard target.status == "revoked" else { return .failedPrecondition }
            if Model.needsLine(target.profile), let line = target.line, model.heldByLive(line, except: target.id) { return .failedPrecondition }
            return nil
        }()
        var code: String?
        let status = await statusOf {
            if revoke {
                return try await client(actor.token).call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: target.id)).registration
            }
            let r = try await client(actor.token).call(ProfilesAPI.restoreCredentials, RestoreCredentialsRequest(registrationId: target.id))
            code = r.activationCode
            return r.registration
        }
        expect(status, expected, "\(revoke ? "revoke" : "restore") \(target.profile)/\(target.status) by \(actorReg.profile)")
        guard status == nil else { return }
        if revoke {
            model.regs[target.id]!.status = "revoked"
            model.regs[target.id]!.activationCode = nil
            model.regs[target.id]!.locked = false
            model.regs[target.id]!.failures = 0
            kill { $0.registration == target.id }
        } else {
            model.regs[target.id]!.status = "pending"
            model.regs[target.id]!.activationCode = code
        }
    }

    func authorize(_ session: Model.Session) async throws {
        let reg = model.regs[session.registration]!
        let permissions = ["company.view", "invoices.view", "users.view", "users.manage", "users.manageAdmins", "lines.view",
                           "line.services", "line.manage", "line.premiumServices", "line.exclusiveOffers"]
        let permission = permissions[next(permissions.count)]
        let isLine = permission.hasPrefix("line.")
        var line: String? = nil
        if isLine { repeat { line = pickLine() } while line == nil }
        let response = try await client(session.token).call(SessionAPI.authorize, AuthorizeRequest(permission: Permission(rawValue: permission)!, line: line))
        let kind = line.flatMap { model.lineOwner(reg.company, $0) }
        let expected = Model.allowed(profile: reg.profile, permission: permission, line: line, own: reg.line, lineKind: kind)
        #expect(response.allowed == expected, "\(reg.profile) \(permission) \(line ?? "") own \(reg.line ?? "-")")
        #expect(response.principal.profile.rawValue == reg.profile)
        #expect(response.principal.companyId == model.companies[reg.company])
    }

    /// No revoked, logged-out or superseded session authenticates; live ones see the current profile.
    func checkSessions() async throws {
        for session in model.sessions {
            let reg = model.regs[session.registration]!
            var profile: String?
            let status = await statusOf {
                let w = try await client(session.token).call(SessionAPI.whoami, WhoamiRequest())
                profile = w.principal.profile.rawValue
                return w
            }
            if session.alive {
                #expect(status == nil, "live session of \(reg.username) (\(reg.status)) refused")
                #expect(profile == reg.profile)
            } else {
                #expect(status == .unauthenticated, "dead session of \(reg.username) still works")
            }
        }
    }
}

extension ModelRun: RandomNumberGenerator {
    /// Lets `randomElement(using:)` draw from the seed, so sequences replay and shrink.
    func next() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(next(256)) }
        return value
    }
}

extension Array {
    func randomElement(using run: ModelRun) -> Element? {
        isEmpty ? nil : self[run.next(count)]
    }
}
