import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// `Session/AuthorizeMany` and `Session/ListAuthorizedLines` decide exactly as one
/// `Session/Authorize` per check would, for every profile, permission and line kind.
@Suite("AuthorizeMany and ListAuthorizedLines (in process)")
struct AuthorizeManyTests {
    static let mobile = ["+393331234567", "+393339876543", "+393401112223"]
    static let fixed = ["+390212345678"]
    /// A number of no company's, and one written in another form.
    static let strangers = ["+393479999999"]

    /// A company with lines of both kinds and one person of each profile; their tokens.
    func people(_ daemon: InProcessDaemon) async throws -> [(Profile, String)] {
        let (repToken, companyID) = try await daemon.company()
        let op = daemon.operatorClient()
        _ = try await op.addLines(companyID: companyID, lines: [Line(msisdn: Self.mobile[2], kind: .mobile), Line(msisdn: Self.fixed[0], kind: .fixed)])
        await op.close()
        let rep = daemon.apiClient(token: repToken)
        let api = daemon.apiClient()
        var people: [(Profile, String)] = [(.legalRepresentative, repToken)]
        for (index, profile) in [Profile.adminFull, .adminLight, .deviceUser, .user].enumerated() {
            let line = profile == .deviceUser || profile == .user ? Self.mobile[index % 2] : nil
            let made = try await rep.registerUser(RegisterUserRequest(username: "person.\(index)", displayName: "Person \(index)",
                                                                      email: "p\(index)@rossi.example", profile: profile, line: line))
            _ = try await api.activate(code: made.activationCode, password: InProcessDaemon.password)
            people.append((profile, try await api.login(username: "person.\(index)", password: InProcessDaemon.password, keepToken: false).sessionToken))
        }
        await rep.close()
        await api.close()
        return people
    }

    @Test func manyChecksDecideAsOneAuthorizeEach() async throws {
        let daemon = try await InProcessDaemon()
        let people = try await people(daemon)
        let client = daemon.apiClient()
        var checks: [AuthorizationCheck] = []
        for permission in Permission.allCases {
            if permission.isLineScoped {
                checks += (Self.mobile + Self.fixed + Self.strangers).map { AuthorizationCheck(permission: permission, line: $0) }
            } else {
                checks.append(AuthorizationCheck(permission: permission))
            }
        }
        for (profile, token) in people {
            let many = try await client.authorizeMany(checks, token: token)
            #expect(many.results.count == checks.count)
            #expect(many.principal.profile == profile)
            for (check, result) in zip(checks, many.results) {
                let one = try await client.authorize(check.permission, line: check.line, token: token)
                #expect(one.allowed == result.allowed && one.reason == result.reason, "\(profile) \(check.permission) \(check.line ?? "-")")
            }
            // Somebody may do something, and nobody may do everything but the representative.
            #expect(many.results.contains { $0.allowed })
        }
        await client.close()
        try await daemon.stop()
    }

    @Test func badChecksAreRefusedWholeAndNamed() async throws {
        let daemon = try await InProcessDaemon()
        let (token, _) = try await daemon.company()
        let client = daemon.apiClient(token: token)
        func code(_ checks: [AuthorizationCheck]) async -> (StatusCode?, String?) {
            do { _ = try await client.authorizeMany(checks); return (nil, nil) } catch let error as RPCError { return (error.code, error.message) } catch { return (.unknown, nil) }
        }
        #expect(await code([]).0 == .invalidArgument)
        let tooMany = Array(repeating: AuthorizationCheck(permission: .companyView), count: AuthorizeManyRequest.maxChecks + 1)
        #expect(await code(tooMany).0 == .invalidArgument)
        let missingLine = await code([AuthorizationCheck(permission: .companyView), AuthorizationCheck(permission: .lineManage)])
        #expect(missingLine.0 == .invalidArgument && missingLine.1?.contains("checks[1].line") == true)
        let badLine = await code([AuthorizationCheck(permission: .lineManage, line: "not a number")])
        #expect(badLine.0 == .invalidArgument && badLine.1?.contains("checks[0].line") == true)
        #expect(await code([AuthorizationCheck(permission: .companyView, line: Self.mobile[0])]).0 == .invalidArgument)
        let full = Array(repeating: AuthorizationCheck(permission: .lineManage, line: Self.mobile[0]), count: AuthorizeManyRequest.maxChecks)
        #expect(try await client.authorizeMany(full).results.allSatisfy(\.allowed))
        await client.close()
        try await daemon.stop()
    }

    @Test func authorizedLinesAreTheLinesAuthorizeAllows() async throws {
        let daemon = try await InProcessDaemon()
        let people = try await people(daemon)
        let client = daemon.apiClient()
        let all = (Self.mobile + Self.fixed).sorted()
        for (profile, token) in people {
            for permission in Permission.allCases where permission.isLineScoped {
                var listed: [String] = []
                var pageToken: String?
                repeat {
                    let page = try await client.listAuthorizedLines(permission, pageSize: 2, pageToken: pageToken, token: token)
                    #expect(page.lines.count <= 2)
                    listed += page.lines.map(\.msisdn)
                    pageToken = page.nextPageToken
                } while pageToken != nil
                var allowed: [String] = []
                for line in all where try await client.authorize(permission, line: line, token: token).allowed { allowed.append(line) }
                #expect(listed == allowed, "\(profile) \(permission)")
            }
        }
        let rep = people[0].1
        let kinds = try await client.listAuthorizedLines(.lineManage, token: rep).lines
        #expect(Set(kinds.filter { $0.kind == .fixed }.map(\.msisdn)) == Set(Self.fixed))
        await #expect(throws: RPCError.self) { _ = try await client.listAuthorizedLines(.invoicesView, token: rep) }
        await #expect(throws: RPCError.self) { _ = try await client.listAuthorizedLines(.lineManage, pageToken: "%%%", token: rep) }
        await client.close()
        try await daemon.stop()
    }
}
