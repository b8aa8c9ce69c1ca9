import ArgumentParser
import Foundation
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

    @OptionGroup var load: LoadOptions

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        let permission = try checkedPermission()
        if permission.isLineScoped && line == nil { throw ArgumentParser.ValidationError("\(permission) needs --line") }
    }

    func run() async throws {
        let request = AuthorizeRequest(permission: try checkedPermission(), line: line)
        let runner = LoadRunner(options: load)
        let (socket, token) = (self.socket, self.token)
        let clients = try (0..<load.connections).map { _ in
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
        let result = LoadResult(connections: load.connections, inflight: load.inflight, seconds: load.duration, latenciesNanos: latencies.sorted())
        if json {
            // As `webprofilectl --json` prints it.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            let fields = result.fields(label: "Session/Authorize \(request.permission) (gRPC, JSON)")
            let width = fields.map(\.0.count).max() ?? 0
            for (key, value) in fields {
                print((key + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + " " + value)
            }
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
