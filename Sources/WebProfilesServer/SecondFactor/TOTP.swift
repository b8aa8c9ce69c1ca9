import Crypto
import Foundation

/// Time-based one-time passwords, RFC 6238 (HOTP, RFC 4226, over 30-second steps): HMAC-SHA-1,
/// 6 digits. A code is accepted for the current step and one step either side (clock drift);
/// the caller records the step so the same code is never accepted twice.
package struct TOTP: Sendable {
    package let secret: [UInt8]
    package var digits: Int
    package var period: TimeInterval

    package init(secret: [UInt8], digits: Int = 6, period: TimeInterval = 30) {
        self.secret = secret
        self.digits = digits
        self.period = period
    }

    /// The time step of `date`.
    package func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / period).rounded(.down))
    }

    /// The code of a time step.
    package func code(step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The step whose code `code` is, among the current one and `window` either side, latest
    /// first; nil when it matches none. Compares every candidate in full (constant time per code).
    package func matchingStep(of code: String, at date: Date, window: Int64 = 1) -> Int64? {
        guard code.utf8.count == digits, code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let now = step(at: date)
        var found: Int64?
        for candidate in stride(from: now + window, through: now - window, by: -1) {
            if Self.constantTimeEqual(Array(self.code(step: candidate).utf8), Array(code.utf8)), found == nil { found = candidate }
        }
        return found
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`
    /// (the Key Uri Format authenticator apps read from a QR code).
    package func uri(issuer: String, account: String) -> String {
        func escape(_ text: String) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
        }
        return "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(Base32.encode(secret))&issuer=\(escape(issuer))"
            + "&algorithm=SHA1&digits=\(digits)&period=\(Int(period))"
    }
}
