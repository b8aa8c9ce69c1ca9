import NIOCore
import NIOPosix
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// `Session/Authorize` and `Session/Whoami` are answered on the event loop when everything they
/// need is cached, and through the store otherwise. Both paths must give the same answers, and
/// the warm one must see changes at once.
@Suite("Authorize fast path (end to end)", .serialized)
struct AuthorizeFastPathTests {
    /// What one Authorize gives: the answer, or the error's code and message.
    enum Outcome: Equatable {
        case answer(allowed: Bool, reason: String?, principal: Principal)
        case error(StatusCode, String)
    }

    static func outcome(_ client: WebProfilesClient, _ permission: Permission, line: String?) async -> Outcome {
        do {
            let response = try await client.call(SessionAPI.authorize, AuthorizeRequest(permission: permission, line: line))
            return .answer(allowed: response.allowed, reason: response.reason, principal: response.principal)
        } catch let error as RPCError {
            return .error(error.code, error.message)
        } catch {
            Issue.record("unexpected error \(error)")
            return .error(.unknown, "\(error)")
        }
    }

    static let cases: [(Permission, String?)] = [
        (.lineManage, "+393331234567"),   // own line: allowed
        (.lineManage, "+393339876543"),   // another line of the company: denied
        (.lineManage, "+393330000000"),   // not a line of the company
        (.lineManage, nil),               // missing line: INVALID_ARGUMENT
        (.lineManage, "not a number"),    // malformed line: INVALID_ARGUMENT
        (.invoicesView, nil),             // not held by a Device User
        (.invoicesView, "+393331234567"), // a line where none is taken: INVALID_ARGUMENT
    ]

    @Test func coldAndWarmAnswersAreTheSame() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (_, user) = try await f.person(daemon, "device.user", .deviceUser, line: "+393331234567")
        let token = try #require(user.sessionToken)
        await user.close()
        for (permission, line) in Self.cases {
            // Cold: a restarted daemon has nothing cached, so the first call loads from the store.
            try daemon.restart()
            let client = daemon.apiClient(token: token)
            let cold = await Self.outcome(client, permission, line: line)
            let warm = await Self.outcome(client, permission, line: line)
            #expect(cold == warm, "\(permission) \(line ?? "-")")
            await client.close()
        }
        // And the answers themselves.
        let client = daemon.apiClient(token: token)
        guard case .answer(true, _, let principal) = await Self.outcome(client, .lineManage, line: "+393331234567") else {
            Issue.record("own line not allowed"); return
        }
        #expect(principal.username == "device.user" && principal.profile == .deviceUser)
        #expect(await Self.outcome(client, .lineManage, line: "+393339876543").isDenied)
        guard case .error(.invalidArgument, _) = await Self.outcome(client, .lineManage, line: nil) else {
            Issue.record("missing line accepted"); return
        }
        await client.close()
        await f.rep.close()
    }

    @Test func warmAnswersFollowChangesAtOnce() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (id, user) = try await f.person(daemon, "device.user", .deviceUser, line: "+393331234567")
        // Warm the caches, then change the profile: the next call must see it. A Device User
        // manages only their own line; an Admin Light every mobile line of the company.
        #expect(await Self.outcome(user, .lineManage, line: "+393339876543").isDenied)
        #expect(await Self.outcome(user, .lineManage, line: "+393339876543").isDenied)
        #expect(await Self.outcome(user, .invoicesView, line: nil).isDenied)
        _ = try await f.rep.call(ProfilesAPI.changeProfile, ChangeProfileRequest(registrationId: id, profile: .adminLight, referent: "Referente mobile"))
        #expect(await Self.outcome(user, .invoicesView, line: nil).isAllowed)
        #expect(await Self.outcome(user, .lineManage, line: "+393339876543").isAllowed)
        #expect(await Self.outcome(user, .lineManage, line: "+390612345678").isDenied)
        // Revoked: the warm session is gone at once.
        _ = try await f.rep.call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: id))
        guard case .error(.unauthenticated, _) = await Self.outcome(user, .invoicesView, line: nil) else {
            Issue.record("revoked session still authorized"); return
        }
        await user.close()
        await f.rep.close()
    }

    @Test func callsFromTheConnectionsEventLoop() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let client = WebProfilesClient(socketPath: daemon.apiSocket, group: loop)
        client.setSessionToken(f.repToken)
        let executor = EventLoopTaskExecutor(loop)
        // Many concurrent calls from tasks running on the loop itself, as `webprofilectl bench` makes them.
        let answers = try await withThrowingTaskGroup(of: (Bool, Bool).self) { group in
            for _ in 0..<32 {
                group.addTask(executorPreference: executor) {
                    let response = try await client.call(SessionAPI.authorize, AuthorizeRequest(permission: .invoicesView))
                    return (response.allowed, loop.inEventLoop)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 32)
        #expect(answers.allSatisfy { $0.0 && $0.1 })
        await client.close()
        await f.rep.close()
    }
}

extension AuthorizeFastPathTests.Outcome {
    var isAllowed: Bool { if case .answer(true, _, _) = self { true } else { false } }
    var isDenied: Bool { if case .answer(false, _, _) = self { true } else { false } }
}
