import Foundation

/// Throughput and latency percentiles of one load run, in the shape `webprofilectl bench`
/// prints (same JSON keys, same percentile rule), so results of both protocols compare directly.
struct LoadResult: Encodable {
    var connections: Int
    var inflight: Int
    var seconds: Double
    var calls: Int
    var callsPerSecond: Double
    var p50Micros: Double
    var p90Micros: Double
    var p99Micros: Double
    var p999Micros: Double
    var maxMicros: Double

    /// - Parameter sorted: the latencies of the counted calls in nanoseconds, ascending.
    init(connections: Int, inflight: Int, seconds: Double, latenciesNanos sorted: [Int64]) {
        /// The nearest-rank percentile: the smallest latency at or above a `p` share of the calls.
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)
            return Double(sorted[max(0, index)]) / 1000
        }
        self.connections = connections
        self.inflight = inflight
        self.seconds = seconds
        self.calls = sorted.count
        self.callsPerSecond = Double(sorted.count) / seconds
        self.p50Micros = percentile(0.50)
        self.p90Micros = percentile(0.90)
        self.p99Micros = percentile(0.99)
        self.p999Micros = percentile(0.999)
        self.maxMicros = Double(sorted.last ?? 0) / 1000
    }

    /// Prints the result as `webprofilectl --json` prints it.
    func printJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(self), as: UTF8.self))
    }

    /// Prints `key: value` lines for people, aligned on the colon.
    func printFields(label: String) {
        let fields = [
            ("method", label),
            ("connections", "\(connections)"),
            ("in flight", "\(inflight) per connection"),
            ("calls", "\(calls) in \(seconds)s"),
            ("calls/s", String(format: "%.0f", callsPerSecond)),
            ("p50", String(format: "%.1f µs", p50Micros)),
            ("p90", String(format: "%.1f µs", p90Micros)),
            ("p99", String(format: "%.1f µs", p99Micros)),
            ("p99.9", String(format: "%.1f µs", p999Micros)),
            ("max", String(format: "%.1f µs", maxMicros)),
        ]
        let width = fields.map(\.0.count).max() ?? 0
        for (key, value) in fields {
            print((key + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + " " + value)
        }
    }
}
