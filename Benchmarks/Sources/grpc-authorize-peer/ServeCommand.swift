import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import WebProfilesServer
import WebProfilesStore

/// `grpc-authorize-peer serve`: the daemon's `Session/Authorize` over gRPC on a Unix socket.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Session/Authorize over gRPC (HTTP/2, plaintext) on a Unix socket.",
        discussion: """
        Answers webprofiles.v1.Session/Authorize with the daemon's own logic over the given \
        database, JSON-encoded, with the session token in 'authorization: Bearer <token>' \
        metadata. Prints 'ready' on standard output once listening; SIGTERM or SIGINT stops it \
        gracefully.
        """
    )

    @Option(help: "The Unix socket to listen on (a stale socket file there is replaced).")
    var socket: String

    @Option(help: "The webprofiled database (created and migrated if missing).")
    var database: String

    func run() async throws {
        let logger = Logger(label: "grpc-peer")
        let store = try ProfileStore.open(path: database)
        let hasher = try PasswordHasher(parameters: .owasp, threads: 1)
        let directory = Directory(store: store, hasher: hasher, configuration: AuthConfiguration(), logger: logger)
        // The transport removes a stale socket file before binding (NIO's
        // `cleanupExistingSocketFile`), and refuses to remove anything that is not a socket.
        let server = GRPCServer(
            transport: .http2NIOPosix(address: .unixDomainSocket(path: socket), transportSecurity: .plaintext),
            services: [AuthorizeService(directory: directory, logger: logger)]
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
        try await hasher.shutdown()
    }
}
