import ArgumentParser
import Foundation
import WebProfilesAPI

extension OperatorCommand {
    /// `webprofilectl operator metrics`: the daemon's metrics, for Prometheus.
    struct Metrics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "metrics",
            abstract: "Print the daemon's metrics (Prometheus text format), or write them to a file atomically.",
            discussion: """
                The daemon listens on Unix sockets only; node_exporter's textfile collector reads the file this writes. \
                webprofiled-metrics.timer runs `webprofilectl operator metrics --output \
                /var/lib/prometheus/node-exporter/webprofiled.prom` every 15 seconds.
                """
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Write the metrics to this file (atomically: a temporary file in the same folder, then a rename) instead of printing them.",
                                   valueName: "file"))
        var output: String?

        func validate() throws {
            guard let output else { return }
            guard !output.isEmpty, !output.hasSuffix("/") else { throw ValidationError("--output must name a file") }
            var isDirectory: ObjCBool = false
            let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--output's folder \(folder) does not exist")
            }
        }

        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.metrics, Empty())
                if let output {
                    try AtomicFile.write(Data(response.text.utf8), to: output, permissions: 0o644)
                } else if try !global.emitMachineReadable(response) {
                    print(response.text, terminator: "")
                }
            }
        }
    }
}
