import ArgumentParser

/// The options of a load run, shared by `webprofilectl bench` and the benchmark package's gRPC
/// peer so that both are driven alike.
package struct LoadOptions: ParsableArguments, Sendable {
    @Option(help: "Connections to open.")
    package var connections: Int = 1

    @Option(help: "Calls in flight on each connection.")
    package var inflight: Int = 1

    @Option(help: "Seconds to run (after a short warm-up).")
    package var duration: Double = 5

    @Option(help: "Seconds of warm-up calls that are not counted.")
    package var warmup: Double = 1

    package init() {}

    package func validate() throws {
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be 1...10000") }
        guard (1...10_000).contains(inflight) else { throw ValidationError("--inflight must be 1...10000") }
        guard duration > 0 && duration <= 3600 else { throw ValidationError("--duration must be between 0 and 3600 seconds") }
        guard warmup >= 0 && warmup <= 600 else { throw ValidationError("--warmup must be between 0 and 600 seconds") }
    }

    /// When the warm-up ends and when the run ends, counted from now.
    package func schedule(clock: ContinuousClock = ContinuousClock()) -> (warmupEnd: ContinuousClock.Instant, end: ContinuousClock.Instant) {
        let warmupEnd = clock.now + .milliseconds(Int64(warmup * 1000))
        return (warmupEnd, warmupEnd + .milliseconds(Int64(duration * 1000)))
    }
}
