import Foundation
import PropertyBased
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// Random sequences of operations by random actors across three companies, with people who
/// belong to several of them, run against the real daemon (restarted in the middle of each
/// sequence) and checked against a small reference model written independently of the daemon's
/// rules.
@Suite("Reference model (property)", .serialized)
struct ModelPropertyTests {
    @Test(.shrinking(false)) // each run starts a daemon: report the seed rather than shrink
    func randomOperationSequencesMatchTheModel() async throws {
        await propertyCheck(count: 6, input: Gen.uint8(in: 0...255).array(of: 300...300)) { seed in
            try await ModelRun(seed: seed).run(steps: 110)
        }
    }
}

/// The reference model: plain data and hand-written rules (deliberately not the daemon's code).
struct Model {
    /// A person: one username, one password, one lockout, whatever the companies.
    struct Account {
        var username: String
        var hasPassword = false
        var failures = 0
        var locked = false
    }

    /// A person's registration in one company.
    struct Reg {
        var id: String
        var company: Int
        var username: String
        var profile: String
        var status: String // pending, active, revoked
        var line: String?
        var activationCode: String?
        /// The account existed when the company registered it: accepted logged in.
        var invited = false
    }

    struct Session {
        var token: String
        var username: String
        var alive = true
        var selected: Int?
        /// The step it ended at (checked refused right then, and in every full check).
        var endedAt: Int?
    }

    var companies: [String] = []
    var lines: [[(String, String)]] = [] // per company: (msisdn, kind)
    var accounts: [String: Account] = [:]
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
        case "users.view", "users.manage", "audit.view": return p <= 1
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

    func lineOwner(_ company: Int, _ line: String) -> String? {
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

    /// The person's active registrations.
    func active(_ username: String) -> [Reg] {
        regs.values.filter { $0.username == username && $0.status == "active" }.sorted { $0.id < $1.id }
    }

    /// Whether the person's account serves another company than `reg`'s (live or invited there).
    func shared(_ reg: Reg) -> Bool {
        regs.values.contains { $0.username == reg.username && $0.id != reg.id && $0.status != "revoked" }
    }

    func canLogIn(_ username: String) -> Bool {
        guard let account = accounts[username] else { return false }
        return account.hasPassword && !account.locked && !active(username).isEmpty
    }

    /// The registration a call of `session` about `company` (nil: none named) acts as, or the
    /// status it is refused with.
    func resolve(_ session: Session, company: Int?) -> Result<Reg, StatusError> {
        let mine = active(session.username)
        if let company {
            guard let reg = mine.first(where: { $0.company == company }) else { return .failure(StatusError(.permissionDenied)) }
            return .success(reg)
        }
        if let selected = session.selected {
            guard let reg = mine.first(where: { $0.company == selected }) else { return .failure(StatusError(.failedPrecondition)) }
            return .success(reg)
        }
        if mine.count == 1 { return .success(mine[0]) }
        return .failure(StatusError(mine.isEmpty ? .unauthenticated : .failedPrecondition))
    }

    struct StatusError: Error {
        var code: StatusCode
        init(_ code: StatusCode) { self.code = code }
    }
}

/// One sequence: builds three companies, then applies operations chosen by the seed.
final class ModelRun: @unchecked Sendable {
    // @unchecked: used by one test task only.
    var bytes: [UInt8]
    var position = 0
    var model = Model()
    var counter = 0
    var step = 0
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
            model.accounts["rep\(c)"] = Model.Account(username: "rep\(c)")
            model.regs[id] = Model.Reg(id: id, company: c, username: "rep\(c)", profile: "legalRepresentative", status: "pending", activationCode: created.activationCode)
            try await activate(id)
            try await login("rep\(c)", correct: true)
        }
        try await accountantOfThreeCompanies()
        for step in 0..<steps {
            self.step = step
            if step == steps / 2 { try daemon.restart(kill: next(2) == 0) }
            try await randomOperation(step: step)
            try await checkSessions(all: step % 10 == 9 || step == steps - 1)
        }
    }

    /// One person in all three companies from the start (registered by the first, invited by
    /// the other two, accepted logged in), so every run has someone across three companies.
    func accountantOfThreeCompanies() async throws {
        model.accounts["accountant"] = Model.Account(username: "accountant")
        for c in 0..<3 {
            let rep = try #require(liveSessions.first { $0.username == "rep\(c)" })
            let r = try await client(rep.token).call(ProfilesAPI.registerUser, RegisterUserRequest(
                username: "accountant", displayName: "Accountant", email: "acc@x.example", profile: .adminFull))
            model.regs[r.registration.registrationId] = Model.Reg(id: r.registration.registrationId, company: c, username: "accountant", profile: "adminFull",
                                                                  status: "pending", activationCode: r.activationCode, invited: c > 0)
            if c == 0 {
                try await activate(r.registration.registrationId)
                try await login("accountant", correct: true)
            } else {
                try await activateOrAccept(model.regs[r.registration.registrationId]!)
            }
        }
        #expect(model.active("accountant").count == 3)
    }

    // MARK: Operations

    var liveSessions: [Model.Session] { model.sessions.filter(\.alive) }
    var sortedRegs: [Model.Reg] { model.regs.values.sorted { $0.id < $1.id } }
    var sortedAccounts: [String] { model.accounts.keys.sorted() }

    func randomOperation(step: Int) async throws {
        // Keep people logged in: most operations act through a live session.
        if liveSessions.count < 4, let username = sortedAccounts.filter({ model.canLogIn($0) }).randomElement(using: self) {
            try await login(username, correct: true, company: next(4) == 0 ? next(3) : nil)
        }
        let live = liveSessions
        switch next(22) {
        case 0, 1, 18, 19:
            // Mostly by someone who manages, so that companies fill up.
            let managers = live.filter { s in acting(s).map { Model.manages($0.profile) } ?? false }
            guard let actor = (next(4) == 0 ? live : managers).randomElement(using: self) else { return }
            try await register(actor: actor, existing: next(3) == 0 ? sortedAccounts.randomElement(using: self) : nil)
        case 20:
            guard let pending = sortedRegs.filter({ $0.status == "pending" && $0.invited }).randomElement(using: self) else { return }
            try await activateOrAccept(pending)
        case 2:
            guard let pending = sortedRegs.filter({ $0.status == "pending" }).randomElement(using: self) else { return }
            try await activateOrAccept(pending)
        case 3, 4:
            guard let actor = live.randomElement(using: self), let target = sortedRegs.randomElement(using: self) else { return }
            try await changeProfile(actor: actor, target: target)
        case 5:
            guard let actor = live.randomElement(using: self), let target = sortedRegs.randomElement(using: self) else { return }
            try await revokeOrRestore(actor: actor, target: target, revoke: next(3) != 0)
        case 6:
            guard let username = sortedAccounts.randomElement(using: self) else { return }
            try await login(username, correct: next(2) != 0, company: next(3) == 0 ? next(3) : nil)
        case 7, 8, 9:
            guard let session = live.randomElement(using: self) else { return }
            try await authorize(session)
        case 10:
            guard let session = live.randomElement(using: self) else { return }
            _ = try await client(session.token).call(SessionAPI.logout, Empty())
            kill { $0.token == session.token }
        case 11:
            guard let session = live.randomElement(using: self) else { return }
            try await selectCompany(session, next(3))
        case 12:
            guard let actor = live.randomElement(using: self), let target = sortedRegs.randomElement(using: self) else { return }
            try await resetCredentials(actor: actor, target: target)
        case 13:
            guard let username = sortedAccounts.randomElement(using: self) else { return }
            try await recover(username)
        case 14:
            guard let actor = live.randomElement(using: self), let target = sortedRegs.randomElement(using: self) else { return }
            try await endUserSessions(actor: actor, target: target)
        case 15:
            guard let session = live.randomElement(using: self) else { return }
            try await revokeOthers(session)
        case 16:
            guard let actor = live.randomElement(using: self), let target = sortedRegs.randomElement(using: self) else { return }
            try await updateRegistration(actor: actor, target: target)
        default:
            guard let username = sortedAccounts.filter({ model.accounts[$0]!.locked }).randomElement(using: self),
                  let reg = sortedRegs.first(where: { $0.username == username }) else { return }
            _ = try await operatorClient.call(OperatorAPI.unlockRegistration, UnlockRegistrationRequest(registrationId: reg.id))
            model.accounts[username]!.locked = false
            model.accounts[username]!.failures = 0
        }
    }

    func kill(_ predicate: (Model.Session) -> Bool) {
        for i in model.sessions.indices where model.sessions[i].alive && predicate(model.sessions[i]) {
            model.sessions[i].alive = false
            model.sessions[i].endedAt = step
        }
    }

    /// A person who lost their last active registration has nothing to act for: their sessions end.
    func endSessionsIfNoneActive(_ username: String) {
        if model.active(username).isEmpty { kill { $0.username == username } }
    }

    func expect(_ status: StatusCode?, _ expected: StatusCode?, _ what: String) {
        #expect(status == expected, "\(what): got \(status?.name ?? "OK"), model says \(expected?.name ?? "OK")")
    }

    /// The registration `actor`'s session acts as for a call naming its first active company
    /// (every call below names it, so that people of several companies act where the test means).
    func acting(_ actor: Model.Session) -> Model.Reg? {
        model.active(actor.username).first
    }

    func register(actor: Model.Session, existing: String?) async throws {
        guard let actorReg = acting(actor) else { return }
        let profile = Model.profiles[next(5)]
        // Mostly a mobile line of the actor's own company (the others exercise the refusals).
        let line = next(3) == 0 ? pickLine() : model.lines[actorReg.company][next(4)].0
        let username: String
        if let existing {
            username = existing
        } else {
            counter += 1
            username = "user\(counter)"
        }
        var expected: StatusCode?
        if !Model.manages(actorReg.profile) || !Model.mayTouch(profile, actor: actorReg.profile) {
            expected = .permissionDenied
        } else if let status = model.lineStatus(profile: profile, line: line, company: actorReg.company, holder: nil) {
            expected = status
        } else if model.regs.values.contains(where: { $0.username == username && $0.company == actorReg.company }) {
            expected = .alreadyExists
        }
        var newID: String?
        var code: String?
        let status = await statusOf {
            let r = try await client(actor.token).call(ProfilesAPI.registerUser, RegisterUserRequest(
                username: username, displayName: username, email: "\(username)@x.example", profile: Profile(rawValue: profile)!, line: line,
                companyId: model.companies[actorReg.company]))
            newID = r.registration.registrationId
            code = r.activationCode
            #expect(r.registration.companyId == model.companies[actorReg.company], "registered into another company")
            #expect(r.registration.status == .pendingActivation && r.registration.lastLoginAt == nil, "an invitation shows what a new person shows")
            return r
        }
        expect(status, expected, "register \(existing == nil ? "new" : "existing") \(profile) line \(line ?? "-") by \(actorReg.profile)")
        if let newID, status == nil {
            let invited = model.accounts[username] != nil
            if !invited { model.accounts[username] = Model.Account(username: username) }
            model.regs[newID] = Model.Reg(id: newID, company: actorReg.company, username: username, profile: profile, status: "pending",
                                          line: Model.needsLine(profile) ? line : nil, activationCode: code, invited: invited)
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
        model.accounts[model.regs[id]!.username]!.hasPassword = true
    }

    /// A pending registration goes live: activated with a password, or, as an invitation,
    /// accepted by a live session of the person (when they have one).
    func activateOrAccept(_ pending: Model.Reg) async throws {
        guard let code = pending.activationCode else { return }
        if !pending.invited {
            try await activate(pending.id)
            try await login(pending.username, correct: true)
            return
        }
        // An invitation is no activation code.
        expect(await statusOf { try await anon.call(SessionAPI.activate, ActivateRequest(activationCode: code, password: Self.password)) },
               .failedPrecondition, "activate an invitation")
        guard let session = liveSessions.first(where: { $0.username == pending.username }) else { return }
        _ = try await client(session.token).call(SessionAPI.acceptInvitation, AcceptInvitationRequest(invitationCode: code))
        model.regs[pending.id]!.status = "active"
        model.regs[pending.id]!.activationCode = nil
        model.regs[pending.id]!.invited = false
    }

    func login(_ username: String, correct: Bool, company: Int? = nil) async throws {
        let canLogIn = model.canLogIn(username)
        let mayName = company.map { c in model.active(username).contains { $0.company == c } } ?? true
        var token: String?
        var response: LoginResponse?
        let status = await statusOf {
            let r = try await anon.call(SessionAPI.login, LoginRequest(username: username.uppercased(), password: correct ? Self.password : "wrong-password-1",
                                                                       companyId: company.map { model.companies[$0] }))
            token = r.sessionToken
            response = r
            return r
        }
        let expected: StatusCode? = !(canLogIn && correct) ? .unauthenticated : mayName ? nil : .permissionDenied
        expect(status, expected, "login \(username) can=\(canLogIn) correct=\(correct) company=\(company.map(String.init) ?? "-")")
        if canLogIn && !correct {
            model.accounts[username]!.failures += 1
            if model.accounts[username]!.failures >= 5 {
                model.accounts[username]!.locked = true
                model.accounts[username]!.failures = 0
            }
        }
        if canLogIn && correct && !mayName { model.accounts[username]!.failures = 0 }
        if let token, let response {
            model.accounts[username]!.failures = 0
            model.sessions.append(Model.Session(token: token, username: username, selected: company))
            let mine = model.sessions.filter { $0.alive && $0.username == username }
            if mine.count > 10 { kill { $0.token == mine[0].token } }
            // The answer lists exactly the person's active companies.
            #expect(Set(response.memberships.map(\.registrationId)) == Set(model.active(username).map(\.id)), "login memberships of \(username)")
        }
    }

    func selectCompany(_ session: Model.Session, _ company: Int) async throws {
        let status = await statusOf {
            try await client(session.token).call(SessionAPI.selectCompany, SelectCompanyRequest(companyId: model.companies[company]))
        }
        let allowed = model.active(session.username).contains { $0.company == company }
        expect(status, allowed ? nil : .permissionDenied, "select company \(company) for \(session.username)")
        if allowed, let index = model.sessions.firstIndex(where: { $0.token == session.token }) { model.sessions[index].selected = company }
    }

    func changeProfile(actor: Model.Session, target: Model.Reg) async throws {
        guard let actorReg = acting(actor) else { return }
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
            try await client(actor.token).call(ProfilesAPI.changeProfile, ChangeProfileRequest(registrationId: target.id, profile: Profile(rawValue: profile)!, line: line,
                                                                                               companyId: model.companies[actorReg.company]))
        }
        expect(status, expected, "change \(target.profile)->\(profile) line \(line ?? "-") by \(actorReg.profile) same company \(target.company == actorReg.company)")
        if status == nil {
            model.regs[target.id]!.line = Model.needsLine(profile) ? (line ?? target.line) : nil
            model.regs[target.id]!.profile = profile
        }
    }

    /// The manager rules shared by revoke, restore, reset, edit and session control.
    func managed(by actorReg: Model.Reg, _ target: Model.Reg) -> StatusCode? {
        guard Model.manages(actorReg.profile) else { return .permissionDenied }
        guard target.company == actorReg.company else { return .notFound }
        guard target.id != actorReg.id, Model.mayTouch(target.profile, actor: actorReg.profile) else { return .permissionDenied }
        return nil
    }

    func revokeOrRestore(actor: Model.Session, target: Model.Reg, revoke: Bool) async throws {
        guard let actorReg = acting(actor) else { return }
        let expected: StatusCode? = {
            if let refused = managed(by: actorReg, target) { return refused }
            if revoke { return target.status == "revoked" ? .failedPrecondition : nil }
            guard target.status == "revoked" else { return .failedPrecondition }
            if Model.needsLine(target.profile) {
                guard let line = target.line, !model.heldByLive(line, except: target.id) else { return .failedPrecondition }
            }
            return nil
        }()
        var code: String?
        let company = model.companies[actorReg.company]
        let status = await statusOf {
            if revoke {
                return try await client(actor.token).call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: target.id, companyId: company)).registration
            }
            let r = try await client(actor.token).call(ProfilesAPI.restoreCredentials, RestoreCredentialsRequest(registrationId: target.id, companyId: company))
            code = r.activationCode
            return r.registration
        }
        expect(status, expected, "\(revoke ? "revoke" : "restore") \(target.profile)/\(target.status) by \(actorReg.profile)")
        guard status == nil else { return }
        if revoke {
            model.regs[target.id]!.status = "revoked"
            model.regs[target.id]!.activationCode = nil
            endSessionsIfNoneActive(target.username)
        } else {
            // Restoring the person's only registration starts them afresh; otherwise it is an
            // invitation to the account they still use elsewhere.
            let elsewhere = !model.active(target.username).isEmpty
            model.regs[target.id]!.status = "pending"
            model.regs[target.id]!.activationCode = code
            model.regs[target.id]!.invited = elsewhere
            if !elsewhere {
                model.accounts[target.username]!.hasPassword = false
                model.accounts[target.username]!.locked = false
                model.accounts[target.username]!.failures = 0
            }
        }
    }

    func resetCredentials(actor: Model.Session, target: Model.Reg) async throws {
        guard let actorReg = acting(actor) else { return }
        let expected: StatusCode? = {
            if let refused = managed(by: actorReg, target) { return refused }
            guard target.status == "active" else { return .failedPrecondition }
            return model.shared(target) ? .failedPrecondition : nil
        }()
        var delivery: RecoveryDelivery?
        let status = await statusOf {
            let r = try await client(actor.token).call(ProfilesAPI.resetCredentials, ResetCredentialsRequest(registrationId: target.id, companyId: model.companies[actorReg.company]))
            delivery = r.delivery
            return r
        }
        expect(status, expected, "reset \(target.profile)/\(target.status) shared=\(model.shared(target)) by \(actorReg.profile)")
        guard let delivery else { return }
        kill { $0.username == target.username }
        model.accounts[target.username]!.hasPassword = false
        model.accounts[target.username]!.locked = false
        model.accounts[target.username]!.failures = 0
        // The old password no longer works; the delivered code sets a new one.
        expect(await statusOf { try await anon.call(SessionAPI.login, LoginRequest(username: target.username, password: Self.password)) }, .unauthenticated, "login after reset")
        _ = try await anon.call(SessionAPI.completeRecovery, CompleteRecoveryRequest(recoveryCode: delivery.recoveryCode, newPassword: Self.password))
        model.accounts[target.username]!.hasPassword = true
    }

    func recover(_ username: String) async throws {
        let response = try await anon.call(SessionAPI.requestRecovery, RequestRecoveryRequest(username: username))
        let eligible = !model.active(username).isEmpty
        #expect((response.delivery != nil) == eligible, "recovery of \(username) eligible=\(eligible)")
        guard let delivery = response.delivery else { return }
        _ = try await anon.call(SessionAPI.completeRecovery, CompleteRecoveryRequest(recoveryCode: delivery.recoveryCode, newPassword: Self.password))
        kill { $0.username == username }
        model.accounts[username]!.hasPassword = true
        model.accounts[username]!.locked = false
        model.accounts[username]!.failures = 0
        expect(await statusOf { try await anon.call(SessionAPI.completeRecovery, CompleteRecoveryRequest(recoveryCode: delivery.recoveryCode, newPassword: Self.password)) },
               .unauthenticated, "a recovery code used twice")
    }

    func endUserSessions(actor: Model.Session, target: Model.Reg) async throws {
        guard let actorReg = acting(actor) else { return }
        let expected: StatusCode? = managed(by: actorReg, target) ?? (model.shared(target) ? .failedPrecondition : nil)
        let status = await statusOf {
            try await client(actor.token).call(ProfilesAPI.endUserSessions, UserSessionsRequest(registrationId: target.id, companyId: model.companies[actorReg.company]))
        }
        expect(status, expected, "end sessions of \(target.profile) shared=\(model.shared(target)) by \(actorReg.profile)")
        if status == nil { kill { $0.username == target.username } }
    }

    func revokeOthers(_ session: Model.Session) async throws {
        _ = try await client(session.token).call(SessionAPI.revokeOtherSessions, Empty())
        kill { $0.username == session.username && $0.token != session.token }
    }

    func updateRegistration(actor: Model.Session, target: Model.Reg) async throws {
        guard let actorReg = acting(actor) else { return }
        let expected: StatusCode? = managed(by: actorReg, target) ?? (target.status == "revoked" ? .failedPrecondition : nil)
        let status = await statusOf {
            try await client(actor.token).call(ProfilesAPI.updateRegistration, UpdateRegistrationRequest(registrationId: target.id, displayName: "Edited \(target.username)",
                                                                                                         companyId: model.companies[actorReg.company]))
        }
        expect(status, expected, "edit \(target.profile)/\(target.status) by \(actorReg.profile)")
    }

    func authorize(_ session: Model.Session) async throws {
        let permissions = ["company.view", "invoices.view", "users.view", "users.manage", "users.manageAdmins", "audit.view", "lines.view",
                           "line.services", "line.manage", "line.premiumServices", "line.exclusiveOffers"]
        let permission = permissions[next(permissions.count)]
        let isLine = permission.hasPrefix("line.")
        var line: String? = nil
        if isLine { repeat { line = pickLine() } while line == nil }
        let company: Int? = next(2) == 0 ? nil : next(3)
        var response: AuthorizeResponse?
        let status = await statusOf {
            let r = try await client(session.token).call(SessionAPI.authorize, AuthorizeRequest(permission: Permission(rawValue: permission)!, line: line,
                                                                                                   companyId: company.map { model.companies[$0] }))
            response = r
            return r
        }
        switch model.resolve(session, company: company) {
        case .failure(let refusal):
            expect(status, refusal.code, "authorize for company \(company.map(String.init) ?? "-") of \(session.username) selected \(session.selected.map(String.init) ?? "-")")
        case .success(let reg):
            expect(status, nil, "authorize for company \(company.map(String.init) ?? "-") of \(session.username)")
            guard let response else { return }
            let kind = line.flatMap { model.lineOwner(reg.company, $0) }
            let expected = Model.allowed(profile: reg.profile, permission: permission, line: line, own: reg.line, lineKind: kind)
            #expect(response.allowed == expected, "\(reg.profile) \(permission) \(line ?? "") own \(reg.line ?? "-")")
            #expect(response.principal.registrationId == reg.id && response.principal.profile.rawValue == reg.profile)
        }
    }

    /// No revoked, logged-out, reset or superseded session authenticates; live ones see the
    /// current profile of each company they act for. After every step: the live sessions and
    /// those the step ended; every tenth step, all of them.
    func checkSessions(all: Bool) async throws {
        for session in model.sessions where all || session.alive || session.endedAt == step {
            let reg = model.active(session.username).first
            var profile: String?
            let status = await statusOf {
                let w = try await client(session.token).call(SessionAPI.whoami, WhoamiRequest(companyId: reg.map { model.companies[$0.company] } ?? model.companies[0]))
                profile = w.principal.profile.rawValue
                return w
            }
            if session.alive {
                #expect(status == nil, "live session of \(session.username) refused: \(status?.name ?? "")")
                #expect(profile == reg?.profile)
            } else {
                #expect(status == .unauthenticated, "dead session of \(session.username) still works")
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
