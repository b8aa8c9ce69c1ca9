import ArgumentParser
import BenchmarkSupport
import Foundation

/// `argon2-rate`: raw Argon2id verifications per second as the daemon's `PasswordHasher` runs
/// them (the same libargon2 calls, parameters, pool size and thread priority, through
/// ``Argon2Pool``: the daemon's hasher is internal to its server module), with no RPC, database
/// or session around it: the ceiling that `Session/Login` is compared with.
@main
struct Argon2Rate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "argon2-rate",
        abstract: "Measure raw Argon2id verifications per second with the daemon's hashing settings."
    )

    @Option(help: "Hashing threads (the daemon's default is the core count).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Argon2id memory in KiB (the daemon's default).")
    var memoryKiB: UInt32 = Argon2Parameters.owasp.memoryKiB

    @Option(help: "Argon2id iterations (the daemon's default).")
    var iterations: UInt32 = Argon2Parameters.owasp.iterations

    @Option(help: "Argon2id parallelism (the daemon's default).")
    var parallelism: UInt32 = Argon2Parameters.owasp.parallelism

    @Option(help: "Seconds to measure (after one hash that also warms the pool up).")
    var duration: Double = 5

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
        guard duration > 0 && duration <= 3600 else { throw ValidationError("--duration must be between 0 and 3600 seconds") }
        guard Argon2Parameters(memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism).isWithinBounds else {
            throw ValidationError("Argon2 parameters out of bounds")
        }
    }

    func run() async throws {
        let parameters = Argon2Parameters(memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism)
        let hasher = Argon2Pool(threads: threads)
        let password = "Argon2-Rate-Password-2026"
        let encoded = try await hasher.hash(password, parameters: parameters)
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(Int64(duration * 1000))
        // Twice as many loops as threads keeps the pool's queue from ever running dry.
        let verified = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<(threads * 2) {
                group.addTask {
                    var count = 0
                    while clock.now < end {
                        guard try await hasher.verify(password, encoded: encoded) else { throw ValidationError("verification failed") }
                        // Only verifications that finished within the period count.
                        if clock.now <= end { count += 1 }
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        try await hasher.shutdown()
        let rate = Double(verified) / duration
        if json {
            print(#"{"callsPerSecond": \#(rate), "verifications": \#(verified), "threads": \#(threads), "parameters": "\#(parameters)"}"#)
        } else {
            print("Argon2id \(parameters), \(threads) threads: \(verified) verifications in \(duration) s = \(String(format: "%.1f", rate))/s")
        }
    }
}
