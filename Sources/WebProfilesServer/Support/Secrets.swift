import Crypto
import Foundation

/// Session tokens and activation codes: random, shown once, stored only as SHA-256.
package enum Secrets {
    /// Prefix of session tokens.
    package static let sessionTokenPrefix = "wps_"
    /// Prefix of activation codes.
    package static let activationCodePrefix = "wpa_"

    /// Prefix of recovery codes (a new password, `Session/CompleteRecovery`).
    package static let recoveryCodePrefix = "wpr_"

    /// `wpr_` + base64url of 16 bytes (128 bits) from the system CSPRNG.
    package static func newRecoveryCode() -> String { recoveryCodePrefix + randomBase64URL(bytes: 16) }

    package static func looksLikeRecoveryCode(_ code: String) -> Bool {
        code.utf8.count == 4 + 22 && code.hasPrefix(recoveryCodePrefix)
    }

    /// A second-factor recovery code: ten base32 characters (50 bits) shown as `XXXXX-XXXXX`.
    package static func newSecondFactorRecoveryCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let text = Base32.encode((0..<7).map { _ in UInt8.random(in: 0...255, using: &generator) }).prefix(10)
        return text.prefix(5) + "-" + text.suffix(5)
    }

    /// A second-factor recovery code as typed (any case, with or without the dash) in its
    /// canonical form, nil when it cannot be one.
    package static func canonicalSecondFactorRecoveryCode(_ typed: String) -> String? {
        guard typed.utf8.count <= 16 else { return nil }
        let text = typed.uppercased().replacingOccurrences(of: "-", with: "")
        guard text.utf8.count == 10, text.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x32...0x37).contains($0) }) else { return nil }
        return text
    }

    /// `wps_` + base64url of 32 bytes from the system CSPRNG.
    package static func newSessionToken() -> String { sessionTokenPrefix + randomBase64URL(bytes: 32) }

    /// `wpa_` + base64url of 16 bytes (128 bits) from the system CSPRNG.
    package static func newActivationCode() -> String { activationCodePrefix + randomBase64URL(bytes: 16) }

    /// Whether `token` has the shape of a session token (checked before hashing anything).
    package static func looksLikeSessionToken(_ token: String) -> Bool {
        token.utf8.count == sessionTokenBytes && token.hasPrefix(sessionTokenPrefix)
    }

    /// The same for a token's bytes (the in-place path: no String made).
    static func looksLikeSessionToken(_ token: UnsafeRawBufferPointer) -> Bool {
        token.count == sessionTokenBytes && token.starts(with: sessionTokenPrefix.utf8)
    }

    /// The length of a session token: its prefix and 43 base64url characters (32 bytes).
    static let sessionTokenBytes = 4 + 43

    package static func looksLikeActivationCode(_ code: String) -> Bool {
        code.utf8.count == 4 + 22 && code.hasPrefix(activationCodePrefix)
    }

    /// Lowercase hex SHA-256 of the UTF-8 bytes (activation and recovery codes; session tokens
    /// are keyed by ``SessionTokenHash``).
    package static func sha256Hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { SHA256.hash(data: $0) }.withUnsafeBytes { LowercaseHex.string($0) }
    }

    static func randomBase64URL(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
