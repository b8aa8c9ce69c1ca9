/// Argon2id cost parameters. Defaults are OWASP's (m=19456 KiB, t=2, p=1).
package struct Argon2Parameters: Sendable, Hashable, CustomStringConvertible {
    package var memoryKiB: UInt32
    package var iterations: UInt32
    package var parallelism: UInt32

    package static let owasp = Argon2Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1)

    /// Bounds accepted for new hashes and for parameters read back from stored hashes (a stored
    /// hash outside them is never verified: it could make one login cost gigabytes or minutes).
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
