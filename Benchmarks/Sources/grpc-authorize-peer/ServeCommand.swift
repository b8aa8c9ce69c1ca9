import ArgumentParser
import BenchmarkSupport
import Foundation
import GRDB
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging

/// `grpc-authorize-peer serve`: the daemon's `Session/Authorize` over gRPC on a Unix socket.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Session/Authorize over gRPC (HTTP/2, plaintext) on a Unix socket.",
        discussion: """
        Answers webprofiles.v1.Session/Authorize with the daemon's rules over the given \
        database (read only, sessions and what they authorize cached in memory after their first \
        use, as the daemon's fast path), JSON-encoded, with the session token in \
        'authorization: Bearer <token>' metadata. Prints 'ready' on standard output once \
        listening; SIGTERM or SIGINT stops it gracefully.
        """
    )

    @Option(help: "The Unix socket to listen on (a stale socket file there is replaced).")
    var socket: String

    @Option(help: "The webprofiled SQLite database, made by webprofiled or webprofiles-seed (never written).")
    var database: String

    func run() async throws {
        let logger = Logger(label: "grpc-peer")
        let pool = try DaemonDatabase.openExisting(path: database)
        // Sessions end after the daemon's default sessions.idle_timeout without use.
        let authorizer = SessionAuthorizer(database: pool)
        // The transport removes a stale socket file before binding (NIO's
        // `cleanupExistingSocketFile`), and refuses to remove anything that is not a socket.
        let server = GRPCServer(
            transport: .http2NIOPosix(address: .unixDomainSocket(path: socket), transportSecurity: .plaintext),
            services: [AuthorizeService(authorizer: authorizer, logger: logger)]
        )
        let signals = ShutdownSignals { server.beginGracefulShutdown() }
        defer { signals.cancel() }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            // Returns once the transport is bound, or throws if it could not bind.
            _ = try await server.listeningAddress
            try FileHandle.standardOutput.write(contentsOf: Data("ready\n".utf8))
        }
        // The socket file outlives the listener.
        try? FileManager.default.removeItem(atPath: socket)
        try pool.close()
    }
}
