#if os(Linux)
import Foundation
import Testing
import WebProfilesServer

/// Hashing threads run nicer than the rest of the process, so a login storm leaves the event
/// loops their CPU (BENCHMARKS.md: Authorize p99 during a login storm).
@Suite("Password hashing priority")
struct PasswordHasherPriorityTests {
    /// (thread name, nice value) of every thread of this process, from /proc.
    static func threadNiceness() throws -> [(name: String, nice: Int)] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { tid in
            let stat = try String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8)
            guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            let name = String(stat[stat.index(after: open)..<close])
            // After the name: state is field 3; nice is field 19.
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 16, let nice = Int(fields[16]) else { return nil }
            return (name, nice)
        }
    }

    @Test func hashingThreadsRunAtLowerPriority() async throws {
        let hasher = try PasswordHasher(parameters: Argon2Parameters(memoryKiB: 64, iterations: 1, parallelism: 1), threads: 2)
        // Enough concurrent work that both pool threads run some.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try await hasher.hash("Priority-Test-Password", peer: 0) } }
            try await group.waitForAll()
        }
        let threads = try Self.threadNiceness()
        let nicer = threads.filter { $0.nice == Int(PasswordHasher.hashingNiceness) }
        #expect(nicer.count >= 1, "no thread at nice \(PasswordHasher.hashingNiceness): \(threads)")
        #expect(nicer.allSatisfy { $0.name.hasPrefix("TP-#") }, "only pool threads are made nicer: \(nicer)")
        // The calling thread (and the rest of the process) keep their priority.
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == 0)
        try await hasher.shutdown()
    }
}
#endif
