import Foundation

/// Progress lines on standard error; standard output carries only the result.
struct SeedProgress: Sendable {
    /// Writes one line.
    func note(_ text: String) {
        FileHandle.standardError.write(Data("webprofiles-seed: \(text)\n".utf8))
    }

    /// Reports a committed batch of `phase`: rows done so far, the batch's rate and the phase's.
    func batch(_ phase: String, done: Int, total: Int, batchRows: Int, batchSeconds: Double, phaseSeconds: Double) {
        let percent = total > 0 ? Double(done) * 100 / Double(total) : 100
        note("\(phase) \(done)/\(total) (\(Self.fixed(percent, 1))%), \(Self.rate(batchRows, batchSeconds)) rows/s, "
             + "\(Self.rate(done, phaseSeconds)) rows/s overall")
    }

    /// Reports the end of `phase`.
    func finished(_ phase: String, rows: Int, seconds: Double) {
        note("\(phase): \(rows) rows in \(Self.fixed(seconds, 1)) s (\(Self.rate(rows, seconds)) rows/s)")
    }

    private static func rate(_ rows: Int, _ seconds: Double) -> Int {
        seconds > 0 ? Int((Double(rows) / seconds).rounded()) : rows
    }

    /// `value` with `digits` decimals (no locale).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}

extension Duration {
    /// The duration in seconds.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
