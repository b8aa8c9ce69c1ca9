import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesLoadTesting
import WebProfilesWire

/// `webprofilectl bench`: load tools that print throughput and latency percentiles.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the daemon under load.",
        subcommands: [BenchHealthCommand.self, BenchAuthorizeCommand.self, BenchListRegistrationsCommand.self, BenchLoginCommand.self]
    )
}

/// `webprofilectl bench health`: Health/Check as fast as the daemon answers.
struct BenchHealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Load Health/Check and print calls/s and p50/p90/p99/p99.9 latency."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var load: LoadOptions

    func run() async throws {
        try await runReportingErrors {
            let result = try await LoadRunner(options: load, socketPath: global.apiSocketPath,
                                              call: LoadCall(method: HealthAPI.check, request: Empty())).run()
            try global.emit(result) { Output.fields(result.fields(label: "Health/Check")) }
        }
    }
}

/// `webprofilectl bench authorize`: the hot path of local services.
struct BenchAuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Load Session/Authorize with the session token (--token, $WEBPROFILES_TOKEN or the saved one), or with every token of --tokens-file in turn."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var load: LoadOptions
    @Option(help: "The permission to check.") var permission: Permission = .lineManage
    @Option(help: "The line, for line permissions.") var line: String?
    @Option(help: ArgumentHelp("A file of session tokens, one per line: the calls use them in turn (instead of one session), as a portal's many users would.",
                               valueName: "path"))
    var tokensFile: String?

    /// The most tokens a --tokens-file may hold.
    static let maxTokens = 10_000_000

    func validate() throws {
        if permission.isLineScoped && line == nil { throw ValidationError("\(permission) needs --line") }
    }

    func run() async throws {
        try await runReportingErrors {
            let request = AuthorizeRequest(permission: permission, line: line)
            var call = LoadCall(method: SessionAPI.authorize, request: request)
            var token = global.sessionToken
            var tokens: [String] = []
            if let tokensFile {
                tokens = try Self.readTokens(tokensFile)
                token = tokens[0]
            }
            // Through the library's own `authorize`, as a portal backend calls it.
            let (permission, line) = (self.permission, self.line)
            call.body = { [tokens] client, iteration in
                _ = try await client.authorize(permission, line: line, token: tokens.isEmpty ? nil : tokens[iteration % tokens.count])
            }
            call.bodyVariants = tokens.count
            guard let token else { throw ValidationError("bench authorize needs a session token (--token, $WEBPROFILES_TOKEN, the saved one) or --tokens-file") }
            let result = try await LoadRunner(options: load, socketPath: global.apiSocketPath, token: token, call: call).run()
            try global.emit(result) { Output.fields(result.fields(label: "Session/Authorize \(permission)")) }
        }
    }
}

extension BenchAuthorizeCommand {
    /// The tokens of a --tokens-file: one per line, blank lines ignored, at least one.
    static func readTokens(_ path: String) throws -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read --tokens-file \(path)") }
        defer { try? handle.close() }
        // Bounded before reading: a token line is under 64 bytes.
        let limit = maxTokens * 64
        let data = try handle.read(upToCount: limit + 1) ?? Data()
        guard data.count <= limit else { throw ValidationError("--tokens-file \(path) holds more than \(maxTokens) tokens") }
        let tokens = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !tokens.isEmpty else { throw ValidationError("--tokens-file \(path) holds no token") }
        return tokens
    }
}

/// `webprofilectl bench list-registrations`: the first page of Gestione utenze.
struct BenchListRegistrationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-registrations",
        abstract: "Load Profiles/ListRegistrations (first page) with the session token of a Legal Representative or Admin Full."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var load: LoadOptions
    @Option(help: "Registrations per page (1...500).") var pageSize: Int = 50

    func validate() throws {
        guard (1...500).contains(pageSize) else { throw ValidationError("--page-size must be 1...500") }
    }

    func run() async throws {
        try await runReportingErrors {
            guard let token = global.sessionToken else { throw ValidationError("bench list-registrations needs a session token") }
            var request = ListRegistrationsRequest()
            request.pageSize = pageSize
            let result = try await LoadRunner(options: load, socketPath: global.apiSocketPath, token: token,
                                              call: LoadCall(method: ProfilesAPI.listRegistrations, request: request)).run()
            try global.emit(result) { Output.fields(result.fields(label: "Profiles/ListRegistrations")) }
        }
    }
}

/// `webprofilectl bench login`: logins per second (Argon2id bound).
struct BenchLoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Load Session/Login (each call starts a session; the oldest beyond the limit end)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var load: LoadOptions
    @Option(help: "The username to log in as.") var username: String
    @Flag(help: "Read the password from standard input (else it is asked for).") var passwordStdin = false

    func run() async throws {
        try await runReportingErrors {
            let password = passwordStdin ? try PasswordInput.readLineFromStdin() : try PasswordInput.prompt("Password for \(username): ")
            let request = LoginRequest(username: username, password: password)
            let result = try await LoadRunner(options: load, socketPath: global.apiSocketPath,
                                              call: LoadCall(method: SessionAPI.login, request: request)).run()
            try global.emit(result) { Output.fields(result.fields(label: "Session/Login")) }
        }
    }
}

/// The call a load repeats.
struct LoadCall<Request: Codable & Sendable, Response: Codable & Sendable>: Sendable {
    let method: MethodDescriptor<Request, Response>
    let request: Request
    /// Metadata the calls take in turn (the `authorization` of many sessions); empty: the
    /// client's own.
    var rotatingMetadata: [[String: String]] = []

    /// The call made instead of `client.call(method, request)`, given the iteration (a method of
    /// the client with its own path, such as ``WebProfilesClient/authorize(_:line:companyID:token:timeout:)``).
    var body: (@Sendable (WebProfilesClient, Int) async throws -> Void)?
    /// How many different calls `body` makes in turn (the tokens it rotates through).
    var bodyVariants = 0

    /// How many different calls the loops take in turn.
    var variants: Int { body == nil ? rotatingMetadata.count : bodyVariants }

    /// Makes call number `iteration` of a loop.
    func run(on client: WebProfilesClient, iteration: Int = 0) async throws {
        if let body {
            try await body(client, iteration)
        } else if rotatingMetadata.isEmpty {
            _ = try await client.call(method, request)
        } else {
            _ = try await client.call(method, request, metadata: rotatingMetadata[iteration % rotatingMetadata.count])
        }
    }
}

/// Drives `connections × inflight` loops of one call for a fixed time and collects latencies.
///
/// Each connection's loops run on that connection's event loop (a ``ConnectionWorker``), as a
/// latency-sensitive service would call the daemon: the client then costs no thread hop.
struct LoadRunner<Request: Codable & Sendable, Response: Codable & Sendable>: Sendable {
    let options: LoadOptions
    let socketPath: String
    /// The session token of calls that need one.
    var token: String?
    let call: LoadCall<Request, Response>

    func run() async throws -> LoadResult {
        let group = MultiThreadedEventLoopGroup.singleton
        let workers = (0..<options.connections).map { _ in
            ConnectionWorker(socketPath: socketPath, token: token, eventLoop: group.next())
        }
        // Connect every client before the clock starts.
        for worker in workers {
            try await call.run(on: worker.client)
        }
        let (warmupEnd, end) = options.schedule()
        let call = self.call
        let latencies = try await withThrowingTaskGroup(of: [Int64].self) { group in
            let loops = workers.count * options.inflight
            for (w, worker) in workers.enumerated() {
                for i in 0..<options.inflight {
                    // Loops start spread over the calls taken in turn, so together they make all of them.
                    let first = (w * options.inflight + i) * max(1, call.variants / loops)
                    group.addTask(executorPreference: worker.executor) {
                        try await worker.loop(call, startingAt: first, countingFrom: warmupEnd, until: end)
                    }
                }
            }
            var all: [Int64] = []
            for try await samples in group { all.append(contentsOf: samples) }
            return all
        }
        for worker in workers { await worker.client.close() }
        return LoadResult(connections: options.connections, inflight: options.inflight, seconds: options.duration, latenciesNanos: latencies.sorted())
    }
}

/// One connection's client and the executor its call loops run on: the connection's event
/// loop, so the client costs no thread hop (as a latency-sensitive service would call it).
struct ConnectionWorker: Sendable {
    let client: WebProfilesClient
    let executor: EventLoopTaskExecutor

    init(socketPath: String, token: String?, eventLoop: any EventLoop) {
        client = WebProfilesClient(socketPath: socketPath, group: eventLoop)
        client.setSessionToken(token)
        executor = EventLoopTaskExecutor(eventLoop)
    }

    /// Calls back to back until `end`; returns the latencies (ns) of the calls started at or
    /// after `warmupEnd`. Call `n` of the loop uses the rotating metadata at `first + n`.
    func loop<Request, Response>(_ call: LoadCall<Request, Response>, startingAt first: Int, countingFrom warmupEnd: ContinuousClock.Instant,
                                 until end: ContinuousClock.Instant) async throws -> [Int64] {
        try await LoadLoop.run(countingFrom: warmupEnd, until: end) { number in
            try await call.run(on: client, iteration: first + number)
        }
    }
}
