import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import WebProfilesWire

/// The documented exit codes (see `webprofilectl --help`).
enum CLIExit {
    static let otherError: Int32 = 1
    static let notAllowed: Int32 = 3
    static let usage: Int32 = 64
    static let unreachable: Int32 = 69
    static let denied: Int32 = 77
}

/// Runs a command body, turning ``RPCError``s into a message on stderr and the documented exit code.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as RPCError {
        FileHandleStream.standardError.write("webprofilectl: \(error.code.name): \(error.message)\n")
        switch error.code {
        case .unavailable: throw ExitCode(CLIExit.unreachable)
        case .unauthenticated, .permissionDenied: throw ExitCode(CLIExit.denied)
        case .invalidArgument: throw ExitCode(CLIExit.usage)
        default: throw ExitCode(CLIExit.otherError)
        }
    } catch let error as CLIError {
        FileHandleStream.standardError.write("webprofilectl: \(error.description)\n")
        throw ExitCode(CLIExit.otherError)
    }
}

/// Minimal stderr writer without Foundation.
enum FileHandleStream {
    case standardError
    func write(_ text: String) {
        var text = text
        text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
