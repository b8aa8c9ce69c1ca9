import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// `Operator/Metrics` counts what happened: calls by method and code, logins by outcome,
/// lockouts, the cache's hits and misses, and reads the states (sessions, connections,
/// storage) when asked. In process, on a manual clock.
@Suite("Metrics (in process)")
struct MetricsTests {
    /// The samples of a Prometheus text exposition, by series (`name{labels}` as written).
    struct Exposition {
        var samples: [String: Double] = [:]
        var types: [String: String] = [:]

        init(_ text: String) {
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# TYPE ") {
                    let parts = line.split(separator: " ")
                    types[String(parts[2])] = String(parts[3])
                } else if !line.hasPrefix("#"), let space = line.lastIndex(of: " ") {
                    samples[String(line[..<space])] = Double(line[line.index(after: space)...])
                }
            }
        }

        /// The value of the series `name` whose labels include all of `labels` (summed over the others).
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
            samples.filter { key, _ in
                let base = key.firstIndex(of: "{").map { String(key[..<$0]) } ?? key
                return base == name && labels.allSatisfy { key.contains("\($0.key)=\"\($0.value)\"") }
            }.values.reduce(0, +)
        }
    }

    func metrics(_ daemon: InProcessDaemon) async throws -> Exposition {
        let op = daemon.operatorClient()
        defer { Task { await op.close() } }
        let response = try await op.metrics()
        #expect(response.contentType == "text/plain; version=0.0.4")
        return Exposition(response.text)
    }

    @Test func countsCallsLoginsLockoutsAndCacheLookups() async throws {
        let daemon = try await InProcessDaemon(settings: "[lockout]\nthreshold = 3\nduration = 120\n")
        let (token, _) = try await daemon.company()
        let before = try await metrics(daemon)
        #expect(before.value("webprofiled_logins_total", ["outcome": "success"]) == 1)
        #expect(before.value("webprofiled_lockouts_total") == 0)

        let api = daemon.apiClient()
        for _ in 0..<3 {
            await #expect(throws: RPCError.self) { _ = try await api.login(username: "mario.rossi", password: "not-the-password") }
        }
        // Locked: the right password gets the same answer, and is counted as failed too.
        await #expect(throws: RPCError.self) { _ = try await api.login(username: "mario.rossi", password: InProcessDaemon.password) }
        for _ in 0..<5 { #expect(try await api.authorize(.usersManage, token: token).allowed) }
        await #expect(throws: RPCError.self) {
            _ = try await api.call(MethodDescriptor<Empty, Empty>(service: "Nope", method: "Nothing"), Empty())
        }

        let after = try await metrics(daemon)
        #expect(after.types["webprofiled_rpc_duration_seconds"] == "histogram")
        #expect(after.value("webprofiled_logins_total", ["outcome": "failed"]) == 4)
        #expect(after.value("webprofiled_logins_total", ["outcome": "success"]) == 1)
        #expect(after.value("webprofiled_lockouts_total") == 1)
        #expect(after.value("webprofiled_rpc_duration_seconds_count", ["method": "webprofiles.v1.Session/Login", "code": "UNAUTHENTICATED"]) == 4)
        #expect(after.value("webprofiled_rpc_duration_seconds_count", ["method": "webprofiles.v1.Session/Authorize", "code": "OK"]) == 5)
        // A made-up method name is not a label value.
        #expect(after.value("webprofiled_rpc_duration_seconds_count", ["method": "unknown", "code": "UNIMPLEMENTED"]) == 1)
        #expect(!after.samples.keys.contains { $0.contains("Nope") })
        // Every Authorize was answered from memory: the session was cached at login.
        #expect(after.value("webprofiled_cache_lookups_total", ["cache": "session", "result": "hit"])
            - before.value("webprofiled_cache_lookups_total", ["cache": "session", "result": "hit"]) == 5)
        #expect(after.value("webprofiled_sessions_live") == 1)
        #expect(after.value("webprofiled_sessions_cached") == 1)
        #expect(after.value("webprofiled_connections", ["socket": "operator"]) == 1)
        #expect(after.value("webprofiled_storage_healthy") == 1)
        #expect(after.value("webprofiled_hashing_wait_seconds_count") >= 5)
        #expect(after.value("webprofiled_build_info", ["version": webProfilesVersion]) == 1)
        await api.close()
        try await daemon.stop()
    }

    /// A login answers with, and caches, the account as its own transaction read it: no read
    /// after its commit (which could fail once the session exists), so its session's first call
    /// finds the account in memory.
    @Test func aLoginCachesTheAccountItsTransactionRead() async throws {
        let daemon = try await InProcessDaemon()
        let (_, companyID) = try await daemon.company()
        let api = daemon.apiClient()
        func delta(_ before: Exposition, _ after: Exposition, _ result: String) -> Double {
            after.value("webprofiled_cache_lookups_total", ["cache": "account", "result": result])
                - before.value("webprofiled_cache_lookups_total", ["cache": "account", "result": result])
        }
        // A change of the company makes memory forget its members' accounts.
        let op = daemon.operatorClient()
        _ = try await op.addLines(companyID: companyID, lines: [Line(msisdn: "+393330000009", kind: .mobile)])
        await op.close()
        let before = try await metrics(daemon)
        let login = try await api.login(username: "mario.rossi", password: InProcessDaemon.password)
        #expect(login.principal?.companyName.isEmpty == false && login.memberships.count == 1)
        let afterLogin = try await metrics(daemon)
        #expect(delta(before, afterLogin, "miss") == 0)
        _ = try await api.authorize(.usersManage, token: login.sessionToken)
        let afterCall = try await metrics(daemon)
        #expect(delta(afterLogin, afterCall, "miss") == 0)
        #expect(delta(afterLogin, afterCall, "hit") == 1)
        await api.close()
        try await daemon.stop()
    }

    @Test func aTokenMemoryDoesNotKnowIsAMiss() async throws {
        let daemon = try await InProcessDaemon()
        let (token, _) = try await daemon.company()
        // The same shape as a real token, but no session's: memory does not know it, so the
        // database is read (and says no).
        let unknown = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
        let api = daemon.apiClient()
        let before = try await metrics(daemon)
        await #expect(throws: RPCError.self) { _ = try await api.authorize(.usersManage, token: unknown) }
        _ = try await api.authorize(.usersManage, token: token)
        let after = try await metrics(daemon)
        func delta(_ result: String) -> Double {
            after.value("webprofiled_cache_lookups_total", ["cache": "session", "result": result])
                - before.value("webprofiled_cache_lookups_total", ["cache": "session", "result": result])
        }
        #expect(delta("miss") == 1)
        #expect(delta("hit") == 1)
        await api.close()
        try await daemon.stop()
    }

    /// A call whose session and account are in memory but whose company's lines are not takes
    /// the asynchronous path after the fast one: each lookup is counted once.
    @Test func aCallThatLoadsPartIsCountedOnce() async throws {
        let daemon = try await InProcessDaemon()
        let (token, _) = try await daemon.company()
        let api = daemon.apiClient(token: token)
        func lookups(_ exposition: Exposition) -> [String: Double] {
            var counts: [String: Double] = [:]
            for cache in ["session", "account", "lines"] {
                for result in ["hit", "miss"] {
                    counts["\(cache) \(result)"] = exposition.value("webprofiled_cache_lookups_total", ["cache": cache, "result": result])
                }
            }
            return counts
        }
        let before = lookups(try await metrics(daemon))
        #expect(try await api.authorize(.lineManage, line: "+393331234567").allowed)
        let first = lookups(try await metrics(daemon))
        #expect(first.merging(before) { $0 - $1 } == ["session hit": 1, "account hit": 1, "lines miss": 1, "session miss": 0, "account miss": 0,
                                                     "lines hit": 0])
        #expect(try await api.authorize(.lineManage, line: "+393331234567").allowed)
        let second = lookups(try await metrics(daemon))
        #expect(second.merging(first) { $0 - $1 } == ["session hit": 1, "account hit": 1, "lines hit": 1, "session miss": 0, "account miss": 0,
                                                     "lines miss": 0])
        await api.close()
        try await daemon.stop()
    }
}
