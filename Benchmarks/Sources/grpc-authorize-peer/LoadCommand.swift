import ArgumentParser
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import WebProfilesAPI
import WebProfilesDomain

/// `grpc-authorize-peer load`: loads `serve` with Authorize calls, as `webprofilectl bench
/// authorize` loads the daemon, and prints the same result.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load Session/Authorize over gRPC and print calls/s and p50/p90/p99/p99.9 latency.",
        discussion: """
        Opens --connections gRPC connections (one client each) to the server's Unix socket and \
        keeps --inflight calls in flight on each for --warmup plus --duration seconds; only calls \
        started after the warm-up are counted. Any failed call ends the run with its error and a \
        non-zero exit status.
        """
    )

    @Option(help: "The Unix socket the server listens on.")
    var socket: String

    @Option(help: "The session token, sent as 'authorization: Bearer <token>'.")
    var token: String

    @Option(help: "The permission to check.")
    var permission: String = "line.manage"

    @Option(help: "The line, for line permissions.")
    var line: String?

    @Option(help: "Connections to open.")
    var connections: Int = 1

    @Option(help: "Calls in flight on each connection.")
    var inflight: Int = 1

    @Option(help: "Seconds to run (after the warm-up).")
    var duration: Double = 5

    @Option(help: "Seconds of warm-up calls that are not counted.")
    var warmup: Double = 1

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard (1...10_000).contains(connections) else { throw ArgumentParser.ValidationError("--connections must be 1...10000") }
        guard (1...10_000).contains(inflight) else { throw ArgumentParser.ValidationError("--inflight must be 1...10000") }
        guard duration > 0 && duration <= 3600 else { throw ArgumentParser.ValidationError("--duration must be between 0 and 3600 seconds") }
        guard warmup >= 0 && warmup <= 600 else { throw ArgumentParser.ValidationError("--warmup must be between 0 and 600 seconds") }
        let permission = try checkedPermission()
        if permission.isLineScoped && line == nil { throw ArgumentParser.ValidationError("\(permission) needs --line") }
    }

    func run() async throws {
        let request = AuthorizeRequest(permission: try checkedPermission(), line: line)
        let runner = LoadRunner(inflight: inflight, warmup: .seconds(warmup), duration: .seconds(duration))
        let (socket, token) = (self.socket, self.token)
        let clients = try (0..<connections).map { _ in
            GRPCClient(transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext))
        }
        let latencies = try await withThrowingDiscardingTaskGroup(returning: [Int64].self) { group in
            for client in clients {
                group.addTask { try await client.runConnections() }
            }
            // Whatever the outcome, let the connections close so the group can end.
            defer { for client in clients { client.beginGracefulShutdown() } }
            return try await runner.run(clients: clients.map { AuthorizeClient(wrapping: $0, token: token) }) { client in
                _ = try await client.authorize(request)
            }
        }
        let result = LoadResult(connections: connections, inflight: inflight, seconds: duration, latenciesNanos: latencies.sorted())
        if json {
            try result.printJSON()
        } else {
            result.printFields(label: "Session/Authorize \(request.permission) (gRPC, JSON)")
        }
    }

    /// The `--permission` value as a ``Permission``.
    private func checkedPermission() throws -> Permission {
        guard let permission = Permission(rawValue: self.permission) else {
            throw ArgumentParser.ValidationError("unknown permission \(self.permission)")
        }
        return permission
    }
}
