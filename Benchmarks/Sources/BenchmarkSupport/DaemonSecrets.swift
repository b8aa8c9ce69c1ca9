import Crypto
import Foundation

/// Session tokens and activation codes exactly as the daemon makes and stores them (restated
/// from Sources/WebProfilesServer/Support/Secrets.swift and Base64URL.swift, which are internal to
/// the server module): random, shown once, stored only as the lowercase hex SHA-256 of their
/// UTF-8 bytes.
package enum DaemonSecrets {
    /// Prefix of session tokens.
    package static let sessionTokenPrefix = "wps_"
    /// Prefix of activation codes.
    package static let activationCodePrefix = "wpa_"

    /// `wps_` + base64url (unpadded) of 32 bytes from the system CSPRNG: 47 characters.
    package static func newSessionToken() -> String { sessionTokenPrefix + randomBase64URL(bytes: 32) }

    /// `wpa_` + base64url (unpadded) of 16 bytes from the system CSPRNG.
    package static func newActivationCode() -> String { activationCodePrefix + randomBase64URL(bytes: 16) }

    /// Whether `token` has the shape of a session token (checked before hashing anything).
    package static func looksLikeSessionToken(_ token: String) -> Bool {
        token.utf8.count == 4 + 43 && token.hasPrefix(sessionTokenPrefix)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex SHA-256 of the UTF-8 bytes: the `tokenHash` of `session` and the
    /// `activationCodeHash` of `membership`.
    package static func sha256Hex(_ text: String) -> String {
        let digest = SHA256.hash(data: Data(text.utf8))
        var hex: [UInt8] = []
        hex.reserveCapacity(2 * SHA256.byteCount)
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Base64url without padding (RFC 4648 section 5) of `count` random bytes.
    static func randomBase64URL(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// The daemon's default settings the tools need (Sources/WebProfilesServer/Config/AuthConfiguration.swift).
package enum DaemonDefaults {
    /// `sessions.lifetime`: 12 hours.
    package static let sessionLifetime: TimeInterval = 12 * 3600
    /// `sessions.idle_timeout`: 30 minutes.
    package static let sessionIdleTimeout: TimeInterval = 30 * 60
    /// `passwords.activation_validity`: 72 hours.
    package static let activationValidity: TimeInterval = 72 * 3600
}
