/// Drives `inflight` back-to-back call loops on each client for a warm-up and then a measured
/// period, and collects the latencies of the calls started after the warm-up.
///
/// Warm-up and counting follow `webprofilectl bench`, so the two protocols are measured alike.
/// Any failed call ends the run with its error: a benchmark that counted failures as calls
/// would be wrong.
struct LoadRunner: Sendable {
    /// Calls in flight on each client.
    var inflight: Int
    /// Time during which calls run but are not counted.
    var warmup: Duration
    /// Time measured after the warm-up.
    var duration: Duration

    /// Runs the loops and returns the latencies, in nanoseconds, of the counted calls (unsorted).
    ///
    /// One call is made on each client first, so every connection is up (and the call known to
    /// work) before the clock starts.
    func run<Client: Sendable>(clients: [Client], call: @escaping @Sendable (Client) async throws -> Void) async throws -> [Int64] {
        for client in clients { try await call(client) }
        let clock = ContinuousClock()
        let warmupEnd = clock.now + warmup
        let end = warmupEnd + duration
        return try await withThrowingTaskGroup(of: [Int64].self) { group in
            for client in clients {
                for _ in 0..<inflight {
                    group.addTask {
                        var samples: [Int64] = []
                        samples.reserveCapacity(1 << 12)
                        while true {
                            let start = clock.now
                            if start >= end { break }
                            try await call(client)
                            if start >= warmupEnd { samples.append(Self.nanoseconds(clock.now - start)) }
                        }
                        return samples
                    }
                }
            }
            var all: [Int64] = []
            for try await samples in group { all.append(contentsOf: samples) }
            return all
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
