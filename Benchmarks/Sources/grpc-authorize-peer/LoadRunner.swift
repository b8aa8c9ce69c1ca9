/// Drives `inflight` back-to-back call loops on each client for the warm-up and the measured
/// period, and collects the latencies of the calls started after the warm-up, with the same
/// loop as `webprofilectl bench` (``LoadLoop``). Any failed call ends the run with its error.
struct LoadRunner: Sendable {
    let options: LoadOptions

    /// Runs the loops and returns the latencies, in nanoseconds, of the counted calls (unsorted).
    ///
    /// One call is made on each client first, so every connection is up (and the call known to
    /// work) before the clock starts.
    func run<Client: Sendable>(clients: [Client], call: @escaping @Sendable (Client) async throws -> Void) async throws -> [Int64] {
        for client in clients { try await call(client) }
        let (warmupEnd, end) = options.schedule()
        return try await withThrowingTaskGroup(of: [Int64].self) { group in
            for client in clients {
                for _ in 0..<options.inflight {
                    group.addTask { try await LoadLoop.run(countingFrom: warmupEnd, until: end) { _ in try await call(client) } }
                }
            }
            var all: [Int64] = []
            for try await samples in group { all.append(contentsOf: samples) }
            return all
        }
    }
}
