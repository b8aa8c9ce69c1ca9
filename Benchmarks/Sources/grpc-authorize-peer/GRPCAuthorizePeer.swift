import ArgumentParser

/// `grpc-authorize-peer`: the daemon's `Session/Authorize` behind gRPC, and a load generator for
/// it, to compare gRPC with the daemon's own protocol on the same work.
@main
struct GRPCAuthorizePeer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grpc-authorize-peer",
        abstract: "Session/Authorize over gRPC: a server running the daemon's logic, and a load generator.",
        subcommands: [ServeCommand.self, LoadCommand.self]
    )
}
