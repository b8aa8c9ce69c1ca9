#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Throughput and latency percentiles of one load run: the result `webprofilectl bench` and
/// the gRPC peer both print (same JSON keys, same percentile rule), so runs compare directly.
package struct LoadResult: Encodable, Sendable {
    package var connections: Int
    package var inflight: Int
    package var seconds: Double
    package var calls: Int
    package var callsPerSecond: Double
    package var p50Micros: Double
    package var p90Micros: Double
    package var p99Micros: Double
    package var p999Micros: Double
    package var maxMicros: Double

    /// - Parameter sorted: the latencies of the counted calls in nanoseconds, ascending.
    package init(connections: Int, inflight: Int, seconds: Double, latenciesNanos sorted: [Int64]) {
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

    /// The result as `name: value` pairs for people, under `label` (the method measured).
    package func fields(label: String) -> [(String, String)] {
        [
            ("method", label),
            ("connections", "\(connections)"),
            ("in flight", "\(inflight) per connection"),
            ("calls", "\(calls) in \(seconds)s"),
            ("calls/s", "\(Int(callsPerSecond.rounded()))"),
            ("p50", Self.micros(p50Micros)),
            ("p90", Self.micros(p90Micros)),
            ("p99", Self.micros(p99Micros)),
            ("p99.9", Self.micros(p999Micros)),
            ("max", Self.micros(maxMicros)),
        ]
    }

    /// Microseconds with one decimal.
    private static func micros(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) µs"
    }
}
