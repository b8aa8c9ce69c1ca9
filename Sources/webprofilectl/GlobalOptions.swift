import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import WebProfilesAPI
import WebProfilesClient

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("API socket of webprofiled (default: $WEBPROFILED_SOCKET or /run/webprofiled/webprofiled.sock).", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("Operator socket of webprofiled.", valueName: "path"))
    var operatorSocket: String = "/run/webprofiled/operator.sock"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(name: .customLong("field"), help: ArgumentHelp("Print only this field of the JSON answer (dot path, e.g. company.companyId); repeatable, one value per line.", valueName: "path"))
    var fields: [String] = []

    @Option(help: ArgumentHelp("Seconds to wait for the daemon's answer.", valueName: "seconds"))
    var timeout: Double = 30

    @Option(help: ArgumentHelp("Session token (default: $WEBPROFILES_TOKEN, then the file `login --save` wrote).", valueName: "token"))
    var token: String?

    /// The API socket path after the environment is consulted.
    var apiSocketPath: String {
        if let socket { return socket }
        if let env = getenv("WEBPROFILED_SOCKET"), env.pointee != 0 { return String(cString: env) }
        return "/run/webprofiled/webprofiled.sock"
    }

    var callTimeout: Duration { .milliseconds(Int64(timeout * 1000)) }

    func apiClient() -> WebProfilesClient { WebProfilesClient(socketPath: apiSocketPath) }

    /// A client carrying the session token, or a usage error when there is none.
    func sessionClient() throws -> WebProfilesClient {
        guard let token = sessionToken else {
            throw ValidationError("no session: log in with `webprofilectl login USERNAME --save`, or pass --token / set WEBPROFILES_TOKEN")
        }
        let client = apiClient()
        client.setSessionToken(token)
        return client
    }

    /// One call with the session token on the API socket.
    func sessionCall<Request, Response>(_ method: MethodDescriptor<Request, Response>, _ request: Request) async throws -> Response {
        let client = try sessionClient()
        defer { Task { await client.close() } }
        return try await client.call(method, request, timeout: callTimeout)
    }

    /// One call without a session on the API socket.
    func apiCall<Request, Response>(_ method: MethodDescriptor<Request, Response>, _ request: Request) async throws -> Response {
        let client = apiClient()
        defer { Task { await client.close() } }
        return try await client.call(method, request, timeout: callTimeout)
    }

    /// One call on the operator socket, carrying the desk's agent and ticket when given.
    func operatorCall<Request, Response>(_ method: MethodDescriptor<Request, Response>, _ request: Request,
                                         desk: OperatorOptions? = nil) async throws -> Response {
        let client = operatorClient()
        defer { Task { await client.close() } }
        return try await client.call(method, request, metadata: desk?.metadata ?? [:], timeout: callTimeout)
    }

    /// The token from --token, $WEBPROFILES_TOKEN or the saved session file.
    var sessionToken: String? {
        if let token { return token }
        if let env = getenv("WEBPROFILES_TOKEN"), env.pointee != 0 { return String(cString: env) }
        return SavedSession.load()
    }
    func operatorClient() -> WebProfilesClient { WebProfilesClient(socketPath: operatorSocket) }

    /// Prints `value` as JSON or as the `--field` values when asked, and returns whether it did.
    func emitMachineReadable<T: Encodable>(_ value: T) throws -> Bool {
        if !fields.isEmpty {
            try Output.fields(of: value, paths: fields)
            return true
        }
        if json {
            try Output.json(value)
            return true
        }
        return false
    }

    /// Prints `value` for scripts (`--json`, `--field`) or runs `human` to print it for people.
    func emit<T: Encodable>(_ value: T, human: () throws -> Void) throws {
        if try !emitMachineReadable(value) { try human() }
    }

    func validate() throws {
        guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    }
}

/// `--company`: which of your companies a command is about (default: the session's selected
/// company, or your only one).
struct CompanyOption: ParsableArguments {
    @Option(name: .customLong("company"), help: ArgumentHelp("The company the command is about (default: the session's selected one, or your only one).", valueName: "company-id"))
    var companyID: String?
}

/// Who at the desk runs an operator command, and under which ticket: every operator write is
/// audited with both (`operator-agent`, `operator-ticket` metadata).
struct OperatorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The desk agent making the change (default: $SUDO_USER, else your login name).", valueName: "name"))
    var agent: String?

    @Option(help: ArgumentHelp("The customer-service ticket the change answers.", valueName: "ticket"))
    var ticket: String?

    /// The agent after the defaults: `--agent`, `$SUDO_USER`, the login name.
    var effectiveAgent: String? {
        if let agent { return agent }
        for name in ["SUDO_USER", "LOGNAME", "USER"] {
            if let value = getenv(name), value.pointee != 0 { return String(cString: value) }
        }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return nil
    }

    var metadata: [String: String] {
        var metadata: [String: String] = [:]
        if let agent = effectiveAgent { metadata["operator-agent"] = agent }
        if let ticket { metadata["operator-ticket"] = ticket }
        return metadata
    }
}

/// The end user a portal logs in for (`client-ip`, `user-agent` metadata).
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The end user's address, stored on the session and used for throttling (client-ip).", valueName: "address"))
    var clientIP: String?

    @Option(help: ArgumentHelp("The end user's browser, stored on the session (user-agent).", valueName: "text"))
    var userAgent: String?

    var metadata: [String: String] {
        var metadata: [String: String] = [:]
        if let clientIP { metadata["client-ip"] = clientIP }
        if let userAgent { metadata["user-agent"] = userAgent }
        return metadata
    }
}
