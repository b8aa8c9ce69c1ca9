import Foundation
import Testing

/// Runs the README's quickstart exactly as written, against the real daemon and CLI.
@Suite("README quickstart", .serialized)
struct QuickstartTests {
    static func quickstartScript() throws -> String {
        let readme = try String(contentsOf: DaemonProcess.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let begin = readme.range(of: "<!-- quickstart:begin -->"), let end = readme.range(of: "<!-- quickstart:end -->") else {
            throw DaemonError(message: "README.md has no quickstart markers")
        }
        let block = readme[begin.upperBound..<end.lowerBound]
        return block.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("```") }
            .joined(separator: "\n")
    }

    @Test func quickstartRunsAsWritten() throws {
        // The quickstart expects ./.build and ./.state in the current folder, as in a checkout.
        let workspace = NSTemporaryDirectory() + "wp-quickstart-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workspace) }
        try FileManager.default.createDirectory(atPath: workspace + "/run", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createSymbolicLink(atPath: workspace + "/.build", withDestinationPath: DaemonProcess.repositoryRoot.appendingPathComponent(".build").path)
        let daemon = try DaemonProcess(stateDirectory: workspace + "/.state")

        let result = try DaemonProcess.run("/bin/bash", ["-euo", "pipefail", "-c", try Self.quickstartScript()],
                                           environment: ["XDG_RUNTIME_DIR": workspace + "/run"], directory: workspace)
        #expect(result.status == 0, "stderr: \(result.err)\nstdout: \(result.out)")
        let out = result.out
        // Step 4: Admin Light sees the invoices; step 5: not after narrowing, but her own line yes.
        let allowed = out.components(separatedBy: "\n").filter { $0.hasPrefix("allowed:") }
        #expect(allowed.map { $0.hasSuffix("yes") } == [true, false, true], "\(allowed)")
        #expect(out.contains("exit code 3"))
        // Step 6: the revoked session is refused; the list shows her revoked.
        #expect(out.contains("exit code 77"))
        #expect(result.err.contains("UNAUTHENTICATED"))
        #expect(out.contains("revoked"))
        // Step 7: the audit trail holds every kind of change made.
        for action in ["companyCreated", "linesChanged", "activated", "login", "registered", "profileChanged", "revoked"] {
            #expect(out.contains(action), "audit lacks \(action)")
        }
        // No secret reaches the daemon's log.
        #expect(!daemon.log().contains("Secret-2026"))
    }
}
