import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// A backend serving many people over one client: each typed call carries its person's token.
@Suite("Per-call tokens (in process)")
struct PerCallTokenTests {
    @Test func oneClientServesTwoPeopleConcurrently() async throws {
        let daemon = try await InProcessDaemon()
        let (repToken, _) = try await daemon.company()
        let rep = daemon.apiClient(token: repToken)
        let created = try await rep.registerUser(RegisterUserRequest(username: "anna.bianchi", displayName: "Anna Bianchi", email: "anna@rossi.example",
                                                                     profile: .adminLight))
        // The shared client keeps no token of its own.
        let shared = daemon.apiClient()
        _ = try await shared.activate(code: created.activationCode, password: InProcessDaemon.password)
        let anna = try await shared.login(username: "anna.bianchi", password: InProcessDaemon.password, keepToken: false).sessionToken
        #expect(shared.sessionToken == nil)

        let names = try await withThrowingTaskGroup(of: (String, String).self) { group in
            for index in 0..<40 {
                let token = index.isMultiple(of: 2) ? repToken : anna
                group.addTask { (token, try await shared.whoami(token: token).principal.username) }
            }
            return try await group.reduce(into: [(String, String)]()) { $0.append($1) }
        }
        #expect(names.count == 40)
        #expect(names.allSatisfy { token, username in username == (token == repToken ? "mario.rossi" : "anna.bianchi") })
        // Anna's profile may not manage users; the representative's may.
        #expect(try await shared.authorize(.usersManage, token: anna).allowed == false)
        #expect(try await shared.authorize(.usersManage, token: repToken).allowed)
        // A call without a token (and none kept) is refused.
        await #expect(throws: RPCError.self) { _ = try await shared.whoami() }
        // Logging out one person's session leaves the other's, and the client's state, alone.
        try await shared.logout(token: anna)
        await #expect(throws: RPCError.self) { _ = try await shared.whoami(token: anna) }
        #expect(try await shared.whoami(token: repToken).principal.username == "mario.rossi")
        await shared.close()
        await rep.close()
        try await daemon.stop()
    }
}
