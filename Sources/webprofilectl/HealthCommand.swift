import ArgumentParser
import Foundation
import WebProfilesAPI
import WebProfilesClient

/// `webprofilectl health`: is the daemon serving?
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that webprofiled answers (Health/Check)."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Ask on the operator socket instead of the API socket.")
    var `operator` = false

    func run() async throws {
        try await runReportingErrors {
            let client = `operator` ? global.operatorClient() : global.apiClient()
            defer { Task { await client.close() } }
            let health = try await client.call(HealthAPI.check, Empty(), timeout: global.callTimeout)
            try global.emit(health) {
                Output.fields([
                    ("status", health.status),
                    ("version", health.version),
                    ("uptime", String(format: "%.1fs", health.uptimeSeconds)),
                    ("storage", health.storage ?? "-"),
                    ("socket", client.socketPath),
                ])
            }
        }
    }
}
