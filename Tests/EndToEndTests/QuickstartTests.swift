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
        #expect(allowed.map { $0.hasSuffix("yes") } == [true, false, true, true], "\(allowed)")
        #expect(out.contains("exit code 3"))
        // Step 6: the revoked session is refused; the list shows her revoked.
        #expect(out.contains("exit code 77"))
        #expect(result.err.contains("UNAUTHENTICATED"))
        #expect(out.contains("revoked"))
        // Step 7: recovery; step 8: the desk found Mario and corrected him in place.
        #expect(out.contains("deliver to:") == false, "the recovery code went to the script, not the screen")
        #expect(out.contains("m.rossi@rossi.example"))
        // Step 9: the accountant's two companies, and a call naming none is refused until one is chosen.
        #expect(out.contains("Rossi S.r.l.") && out.contains("Bianchi S.p.A."))
        #expect(out.contains("exit code 1 (which company?)"))
        #expect(result.err.contains("FAILED_PRECONDITION: you belong to 2 companies"))
        // Step 10: the audit trails hold every kind of change made, with the desk's agent and ticket.
        #expect(out.contains("agent desk.giulia, ticket CS-1042"))
        for action in ["companyCreated", "linesChanged", "activated", "login", "registered", "profileChanged", "revoked",
                       "recoveryRequested", "passwordChanged", "legalRepresentativeUpdated", "invitationAccepted"] {
            #expect(out.contains(action), "audit lacks \(action)")
        }
        // No secret reaches the daemon's log.
        for secret in ["Velvet-Orbit", "Copper-Meadow", "Harbor-Quilt", "Saffron-Tundra", "Lemon-Glacier", "wpr_"] {
            #expect(!daemon.log().contains(secret))
        }
    }
}
