import Crypto
import Foundation

/// Session tokens and activation codes: random, shown once, stored only as SHA-256.
package enum Secrets {
    /// Prefix of session tokens.
    package static let sessionTokenPrefix = "wps_"
    /// Prefix of activation codes.
    package static let activationCodePrefix = "wpa_"

    /// `wps_` + base64url of 32 bytes from the system CSPRNG.
    package static func newSessionToken() -> String { sessionTokenPrefix + randomBase64URL(bytes: 32) }

    /// `wpa_` + base64url of 16 bytes (128 bits) from the system CSPRNG.
    package static func newActivationCode() -> String { activationCodePrefix + randomBase64URL(bytes: 16) }

    /// Whether `token` has the shape of a session token (checked before hashing anything).
    package static func looksLikeSessionToken(_ token: String) -> Bool {
        token.utf8.count == 4 + 43 && token.hasPrefix(sessionTokenPrefix)
    }

    package static func looksLikeActivationCode(_ code: String) -> Bool {
        code.utf8.count == 4 + 22 && code.hasPrefix(activationCodePrefix)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex SHA-256 of the UTF-8 bytes.
    package static func sha256Hex(_ text: String) -> String {
        var text = text
        let digest = text.withUTF8 { SHA256.hash(data: $0) }
        // Runs on every authenticated call: one allocation for the result, no per-character appends.
        let hex = String(unsafeUninitializedCapacity: 2 * SHA256.byteCount) { buffer in
            var i = 0
            for byte in digest {
                buffer[i] = hexDigits[Int(byte >> 4)]
                buffer[i + 1] = hexDigits[Int(byte & 0xF)]
                i += 2
            }
            return i
        }
        return hex
    }

    static func randomBase64URL(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
