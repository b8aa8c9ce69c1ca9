import ArgumentParser
import Foundation

// The load run of `webprofilectl bench`, restated from Sources/WebProfilesLoadTesting (LoadLoop,
// LoadOptions, LoadResult), whose declarations are `package` and so not visible from this
// package. Same options, same loop, same percentile rule and the same JSON keys, so that runs of
// the two compare directly: keep them in step.

/// One loop of a load run: calls back to back and times them.
enum LoadLoop {
    /// Calls `call` back to back until `end`, passing each call's number in this loop; returns
    /// the latencies, in nanoseconds, of the calls started at or after `warmupEnd`.
    static func run(countingFrom warmupEnd: ContinuousClock.Instant, until end: ContinuousClock.Instant,
                    _ call: (Int) async throws -> Void) async throws -> [Int64] {
        let clock = ContinuousClock()
        var samples: [Int64] = []
        samples.reserveCapacity(1 << 16)
        var number = 0
        while true {
            let start = clock.now
            if start >= end { break }
            try await call(number)
            number += 1
            if start >= warmupEnd {
                let (seconds, attoseconds) = (clock.now - start).components
                samples.append(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            }
        }
        return samples
    }
}

/// The options of a load run, shared by `webprofilectl bench` and the benchmark package's gRPC
/// peer so that both are driven alike.
struct LoadOptions: ParsableArguments, Sendable {
    @Option(help: "Connections to open.")
    var connections: Int = 1

    @Option(help: "Calls in flight on each connection.")
    var inflight: Int = 1

    @Option(help: "Seconds to run (after a short warm-up).")
    var duration: Double = 5

    @Option(help: "Seconds of warm-up calls that are not counted.")
    var warmup: Double = 1

    init() {}

    func validate() throws {
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be 1...10000") }
        guard (1...10_000).contains(inflight) else { throw ValidationError("--inflight must be 1...10000") }
        guard duration > 0 && duration <= 3600 else { throw ValidationError("--duration must be between 0 and 3600 seconds") }
        guard warmup >= 0 && warmup <= 600 else { throw ValidationError("--warmup must be between 0 and 600 seconds") }
    }

    /// When the warm-up ends and when the run ends, counted from now.
    func schedule(clock: ContinuousClock = ContinuousClock()) -> (warmupEnd: ContinuousClock.Instant, end: ContinuousClock.Instant) {
        let warmupEnd = clock.now + .milliseconds(Int64(warmup * 1000))
        return (warmupEnd, warmupEnd + .milliseconds(Int64(duration * 1000)))
    }
}

/// Throughput and latency percentiles of one load run: the result `webprofilectl bench` and
/// the gRPC peer both print (same JSON keys, same percentile rule), so runs compare directly.
struct LoadResult: Encodable, Sendable {
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

    /// The result as `name: value` pairs for people, under `label` (the method measured).
    func fields(label: String) -> [(String, String)] {
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
