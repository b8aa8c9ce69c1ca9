import ArgumentParser
import Foundation
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain

/// `webprofilectl bench`: load tools that print throughput and latency percentiles.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the daemon under load.",
        subcommands: [BenchHealthCommand.self, BenchAuthorizeCommand.self, BenchLoginCommand.self]
    )
}

/// Options shared by every load run.
struct LoadOptions: ParsableArguments {
    @Option(help: "Connections to open.")
    var connections: Int = 1

    @Option(help: "Calls in flight on each connection.")
    var inflight: Int = 1

    @Option(help: "Seconds to run (after a short warm-up).")
    var duration: Double = 5

    @Option(help: "Seconds of warm-up calls that are not counted.")
    var warmup: Double = 1

    func validate() throws {
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be 1...10000") }
        guard (1...10_000).contains(inflight) else { throw ValidationError("--inflight must be 1...10000") }
        guard duration > 0 && duration <= 3600 else { throw ValidationError("--duration must be between 0 and 3600 seconds") }
        guard warmup >= 0 && warmup <= 600 else { throw ValidationError("--warmup must be between 0 and 600 seconds") }
    }
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
            let result = try await LoadRunner(options: load, socketPath: global.apiSocketPath) { client in
                _ = try await client.call(HealthAPI.check, Empty())
            }.run()
            try global.emit(result) { result.print(label: "Health/Check") }
        }
    }
}

/// `webprofilectl bench authorize`: the hot path of local services.
struct BenchAuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Load Session/Authorize with the session token (--token, $WEBPROFILES_TOKEN or the saved one)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var load: LoadOptions
    @Option(help: "The permission to check.") var permission: String = "line.manage"
    @Option(help: "The line, for line permissions.") var line: String?

    func validate() throws {
        guard let p = Permission(rawValue: permission) else { throw ValidationError("unknown permission \(permission)") }
        if p.isLineScoped && line == nil { throw ValidationError("\(permission) needs --line") }
    }

    func run() async throws {
        try await runReportingErrors {
            guard let token = global.sessionToken else { throw ValidationError("bench authorize needs a session token") }
            let request = AuthorizeRequest(permission: Permission(rawValue: permission)!, line: line)
            let result = try await LoadRunner(options: load, socketPath: global.apiSocketPath) { client in
                client.setSessionToken(token)
                _ = try await client.call(SessionAPI.authorize, request)
            }.run()
            try global.emit(result) { result.print(label: "Session/Authorize \(permission)") }
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
            let result = try await LoadRunner(options: load, socketPath: global.apiSocketPath) { client in
                _ = try await client.call(SessionAPI.login, request)
            }.run()
            try global.emit(result) { result.print(label: "Session/Login") }
        }
    }
}

/// Drives `connections × inflight` loops of one call for a fixed time and collects latencies.
struct LoadRunner: Sendable {
    let options: LoadOptions
    let socketPath: String
    let body: @Sendable (WebProfilesClient) async throws -> Void

    init(options: LoadOptions, socketPath: String, body: @escaping @Sendable (WebProfilesClient) async throws -> Void) {
        self.options = options
        self.socketPath = socketPath
        self.body = body
    }

    func run(prepare: (@Sendable (WebProfilesClient) async throws -> Void)? = nil) async throws -> LoadResult {
        let clients = (0..<options.connections).map { _ in WebProfilesClient(socketPath: socketPath) }
        // Connect every client (and let `prepare` set it up) before the clock starts.
        for client in clients {
            if let prepare { try await prepare(client) } else { try await body(client) }
        }
        let clock = ContinuousClock()
        let warmupEnd = clock.now + .milliseconds(Int64(options.warmup * 1000))
        let end = warmupEnd + .milliseconds(Int64(options.duration * 1000))
        let body = self.body
        let latencies = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for client in clients {
                for _ in 0..<options.inflight {
                    group.addTask {
                        var samples: [Int64] = []
                        samples.reserveCapacity(1 << 16)
                        while true {
                            let start = clock.now
                            if start >= end { break }
                            try await body(client)
                            if start >= warmupEnd {
                                let elapsed = clock.now - start
                                samples.append(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                            }
                        }
                        return samples
                    }
                }
            }
            var all: [Int64] = []
            for try await samples in group { all.append(contentsOf: samples) }
            return all
        }
        for client in clients { await client.close() }
        return LoadResult(connections: options.connections, inflight: options.inflight, seconds: options.duration, latenciesNanos: latencies.sorted())
    }
}

/// Throughput and latency percentiles of one load run.
struct LoadResult: Encodable {
    var connections: Int
    var inflight: Int
    var seconds: Double
    var calls: Int
    var callsPerSecond: Double
    var p50Micros: Double
    var p90Micros: Double
    var p99Micros: Double
    var p999Micros: Double
    var maxMicros: Double

    init(connections: Int, inflight: Int, seconds: Double, latenciesNanos sorted: [Int64]) {
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)
            return Double(sorted[max(0, index)]) / 1000
        }
        self.connections = connections
        self.inflight = inflight
        self.seconds = seconds
        self.calls = sorted.count
        self.callsPerSecond = Double(sorted.count) / seconds
        self.p50Micros = percentile(0.50)
        self.p90Micros = percentile(0.90)
        self.p99Micros = percentile(0.99)
        self.p999Micros = percentile(0.999)
        self.maxMicros = Double(sorted.last ?? 0) / 1000
    }

    func print(label: String) {
        Output.fields([
            ("method", label),
            ("connections", "\(connections)"),
            ("in flight", "\(inflight) per connection"),
            ("calls", "\(calls) in \(seconds)s"),
            ("calls/s", String(format: "%.0f", callsPerSecond)),
            ("p50", String(format: "%.1f µs", p50Micros)),
            ("p90", String(format: "%.1f µs", p90Micros)),
            ("p99", String(format: "%.1f µs", p99Micros)),
            ("p99.9", String(format: "%.1f µs", p999Micros)),
            ("max", String(format: "%.1f µs", maxMicros)),
        ])
    }
}
