import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// The real `webprofiled` binary, started on a temporary state folder.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns this object, sequentially.
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent()
    }()
    /// Where the binaries of this build are: beside the test bundle (as swift-argument-parser's
    /// tests find theirs), so a release or `--scratch-path` build tests its own binaries.
    static let productsDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    static let daemonBinary = productsDirectory.appendingPathComponent("webprofiled").path
    static let ctlBinary = productsDirectory.appendingPathComponent("webprofilectl").path

    /// Cheap Argon2 parameters so tests run fast; the defaults are tested separately.
    static let fastHashing = ["--argon2-memory-kib", "64", "--argon2-iterations", "1"]

    let stateDirectory: String
    let arguments: [String]
    private(set) var process: Process?
    private(set) var stderrPath: String

    var apiSocket: String { stateDirectory + "/webprofiled.sock" }
    var operatorSocket: String { stateDirectory + "/operator.sock" }

    init(arguments: [String] = [], stateDirectory: String? = nil) throws {
        self.stateDirectory = stateDirectory ?? NSTemporaryDirectory() + "wp-e2e-\(UUID().uuidString.prefix(8))"
        self.arguments = arguments
        self.stderrPath = self.stateDirectory + "/daemon.log"
        try FileManager.default.createDirectory(atPath: self.stateDirectory, withIntermediateDirectories: true)
        try start()
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.daemonBinary)
        process.arguments = ["--state-directory", stateDirectory, "--log-level", "info"] + Self.fastHashing + arguments
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let logHandle = FileHandle(forWritingAtPath: stderrPath)!
        logHandle.seekToEndOfFile()
        process.standardError = logHandle
        process.standardOutput = logHandle
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        // A killed daemon leaves its socket files behind: wait until both accept connections.
        while !(Self.accepts(apiSocket) && Self.accepts(operatorSocket)) {
            guard process.isRunning else { throw DaemonError(message: "webprofiled exited: \(self.log())") }
            guard Date() < deadline else { throw DaemonError(message: "webprofiled did not start: \(self.log())") }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    static func accepts(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: Array(path.utf8)) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }

    /// SIGTERM (graceful) or SIGKILL, then wait.
    func stop(kill: Bool = false) {
        guard let process, process.isRunning else { return }
        if kill { Foundation.kill(process.processIdentifier, SIGKILL) } else { process.terminate() }
        process.waitUntilExit()
    }

    func restart(kill: Bool = false) throws {
        stop(kill: kill)
        try start()
    }

    var exitStatus: Int32? { process.flatMap { $0.isRunning ? nil : $0.terminationStatus } }

    func log() -> String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    func apiClient(token: String? = nil) -> WebProfilesClient {
        let client = WebProfilesClient(socketPath: apiSocket)
        client.setSessionToken(token)
        return client
    }

    /// A client of the operator socket, as the desk agent `tester` (operator writes name one).
    func operatorClient(agent: String? = "tester") -> WebProfilesClient {
        let client = WebProfilesClient(socketPath: operatorSocket)
        client.setMetadata(agent, for: "operator-agent")
        return client
    }

    /// Runs `webprofilectl` with the sockets of this daemon.
    func ctl(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        try DaemonProcess.run(Self.ctlBinary, ["--socket", apiSocket, "--operator-socket", operatorSocket] + arguments, stdin: stdin,
                              environment: ["XDG_RUNTIME_DIR": stateDirectory].merging(environment) { $1 })
    }

    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    directory: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

struct DaemonError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A company set up through the operator plane, with its legal representative logged in.
struct Fixture {
    var companyID: String
    var repID: String
    var repToken: String
    var rep: WebProfilesClient

    static let password = "Correct-Horse-42"

    static func make(_ daemon: DaemonProcess, vat: String = "01234567897", rep username: String = "mario.rossi",
                     lines: [String] = ["+393331234567", "+393339876543", "+390612345678"]) async throws -> Fixture {
        let op = daemon.operatorClient()
        let created = try await op.createCompany(CreateCompanyRequest(
            name: "Rossi S.r.l.", vatNumber: vat,
            legalRepresentative: LegalRepresentativeRequest(fullName: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U", email: "mario@rossi.example", username: username)))
        if !lines.isEmpty {
            _ = try await op.addLines(companyID: created.company.companyId, lines: lines.map {
                Line(msisdn: $0, kind: $0.hasPrefix("+393") ? .mobile : .fixed)
            })
        }
        await op.close()
        let client = daemon.apiClient()
        _ = try await client.activate(code: created.activationCode, password: password)
        let login = try await client.login(username: username, password: password)
        return Fixture(companyID: created.company.companyId, repID: created.registration.registrationId, repToken: login.sessionToken, rep: client)
    }

    /// Registers, activates and logs in a person; returns their id and a client with their session.
    func person(_ daemon: DaemonProcess, _ username: String, _ profile: Profile, line: String? = nil, by actor: WebProfilesClient? = nil) async throws -> (id: String, client: WebProfilesClient) {
        let registered = try await (actor ?? rep).registerUser(RegisterUserRequest(
            username: username, displayName: username, email: "\(username)@rossi.example", profile: profile, line: line))
        let client = daemon.apiClient()
        _ = try await client.call(SessionAPI.activate, ActivateRequest(activationCode: registered.activationCode, password: Self.password))
        let login = try await client.call(SessionAPI.login, LoginRequest(username: username, password: Self.password))
        client.setSessionToken(login.sessionToken)
        return (registered.registration.registrationId, client)
    }
}

/// The status code a call fails with (nil if it succeeds).
func statusOf(_ body: () async throws -> some Any) async -> StatusCode? {
    do {
        _ = try await body()
        return nil
    } catch let error as RPCError {
        return error.code
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
