#if canImport(Glibc)
import Glibc
#endif
import CArgon2Benchmarks
import NIOPosix

/// Argon2id cost parameters, as the daemon has them (restated from
/// Sources/WebProfilesServer/Passwords/Argon2Parameters.swift). Defaults are OWASP's.
package struct Argon2Parameters: Sendable, Hashable, CustomStringConvertible {
    package var memoryKiB: UInt32
    package var iterations: UInt32
    package var parallelism: UInt32

    /// The daemon's default (`argon2.memory_kib`, `argon2.iterations`, `argon2.parallelism`).
    package static let owasp = Argon2Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1)

    package static let memoryBounds: ClosedRange<UInt32> = 8...1_048_576
    package static let iterationBounds: ClosedRange<UInt32> = 1...16
    package static let parallelismBounds: ClosedRange<UInt32> = 1...16

    package init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    package var isWithinBounds: Bool {
        Self.memoryBounds.contains(memoryKiB) && Self.iterationBounds.contains(iterations)
            && Self.parallelismBounds.contains(parallelism) && memoryKiB >= 8 * parallelism
    }

    package var description: String { "m=\(memoryKiB),t=\(iterations),p=\(parallelism)" }

    /// Reads the parameters of a standard encoded hash `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
    package static func parse(encoded: String) -> Argon2Parameters? {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].isEmpty, parts[1] == "argon2id", parts[2] == "v=19" else { return nil }
        var values: [Substring: UInt32] = [:]
        for field in parts[3].split(separator: ",") {
            let pair = field.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[1].count <= 10, let value = UInt32(pair[1]) else { return nil }
            values[pair[0]] = value
        }
        guard values.count == 3, let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        return Argon2Parameters(memoryKiB: m, iterations: t, parallelism: p)
    }
}

/// Argon2id through libargon2, exactly as the daemon's ``PasswordHasher`` calls it (16-byte
/// random salt, 32-byte hash, the standard encoded form), restated from
/// Sources/WebProfilesServer/Passwords/PasswordHasher.swift.
package enum Argon2 {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// Hashes `password` (the caller normalises it first: the daemon hashes
    /// `PasswordPolicy.normalized(password)`) into the standard encoded form.
    package static func hash(_ password: String, parameters p: Argon2Parameters) throws -> String {
        guard p.isWithinBounds else { throw Failure(description: "Argon2 parameters \(p) are outside the accepted bounds") }
        var salt = [UInt8](repeating: 0, count: 16)
        var random = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = random.next() }
        let hashLength = 32
        let encodedLength = argon2_encodedlen(p.iterations, p.memoryKiB, p.parallelism, UInt32(salt.count), UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let bytes = Array(password.utf8)
        let result = bytes.withUnsafeBytes { pwd in
            argon2id_hash_encoded(p.iterations, p.memoryKiB, p.parallelism, pwd.baseAddress, pwd.count,
                                  salt, salt.count, hashLength, &encoded, encodedLength)
        }
        guard result == ARGON2_OK.rawValue else {
            throw Failure(description: "argon2id_hash_encoded failed: \(String(cString: argon2_error_message(result)))")
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches `encoded`. As the daemon, a hash whose parameters are out of
    /// bounds is not verified and fails.
    package static func verify(_ password: String, encoded: String) -> Bool {
        guard let stored = Argon2Parameters.parse(encoded: encoded), stored.isWithinBounds else { return false }
        let bytes = Array(password.utf8)
        return bytes.withUnsafeBytes { pwd in
            argon2id_verify(encoded, pwd.baseAddress, pwd.count) == ARGON2_OK.rawValue
        }
    }
}

/// A pool of hashing threads shaped like the daemon's ``PasswordHasher``: `threads` NIO pool
/// threads, each at nice +10 (the daemon's `hashingNiceness`), running one hash or verification
/// at a time. The daemon's admission limits and per-peer queues are left out: they decide who
/// waits, not how fast the threads hash.
package final class Argon2Pool: Sendable {
    /// How much nicer than the rest of the process the hashing threads are (the daemon's value).
    package static let hashingNiceness: Int32 = 10

    private let pool: NIOThreadPool

    package init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    package func hash(_ password: String, parameters: Argon2Parameters) async throws -> String {
        try await pool.runIfActive {
            Self.lowerPoolThreadPriority()
            return try Argon2.hash(password, parameters: parameters)
        }
    }

    package func verify(_ password: String, encoded: String) async throws -> Bool {
        try await pool.runIfActive {
            Self.lowerPoolThreadPriority()
            return Argon2.verify(password, encoded: encoded)
        }
    }

    /// Stops the threads (after the work queued so far).
    package func shutdown() async throws {
        try await pool.shutdownGracefully()
    }

    /// Lowers the calling pool thread's priority, as the daemon does. On Linux the nice value is
    /// per thread and `who == 0` names the calling thread only. Failure only means the thread keeps
    /// the process's priority.
    private static func lowerPoolThreadPriority() {
        #if os(Linux)
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        if errno == 0, current < hashingNiceness {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, hashingNiceness)
        }
        #endif
    }
}
