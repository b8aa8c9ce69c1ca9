/// One loop of a load run: calls back to back and times them.
package enum LoadLoop {
    /// Calls `call` back to back until `end`, passing each call's number in this loop; returns
    /// the latencies, in nanoseconds, of the calls started at or after `warmupEnd`.
    package static func run(countingFrom warmupEnd: ContinuousClock.Instant, until end: ContinuousClock.Instant,
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
