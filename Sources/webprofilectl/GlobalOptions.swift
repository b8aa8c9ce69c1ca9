import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import WebProfilesClient

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("API socket of webprofiled (default: $WEBPROFILED_SOCKET or /run/webprofiled/webprofiled.sock).", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("Operator socket of webprofiled.", valueName: "path"))
    var operatorSocket: String = "/run/webprofiled/operator.sock"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Seconds to wait for the daemon's answer.", valueName: "seconds"))
    var timeout: Double = 30

    /// The API socket path after the environment is consulted.
    var apiSocketPath: String {
        if let socket { return socket }
        if let env = getenv("WEBPROFILED_SOCKET"), env.pointee != 0 { return String(cString: env) }
        return "/run/webprofiled/webprofiled.sock"
    }

    var callTimeout: Duration { .milliseconds(Int64(timeout * 1000)) }

    func apiClient() -> WebProfilesClient { WebProfilesClient(socketPath: apiSocketPath) }
    func operatorClient() -> WebProfilesClient { WebProfilesClient(socketPath: operatorSocket) }

    func validate() throws {
        guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    }
}
