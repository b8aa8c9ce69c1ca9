import Crypto
import Foundation

/// What an authenticator app does with a TOTP secret (RFC 6238, SHA-1, 6 digits, 30 s), written
/// here independently of the daemon's implementation.
struct Authenticator {
    let secret: [UInt8]

    /// From the base32 secret an enrolment shows.
    init?(base32 text: String) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0, buffer = 0
        var bytes: [UInt8] = []
        for character in text.uppercased() {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                bytes.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        secret = bytes
    }

    /// The code `offset` steps from now.
    func code(offset: Int = 0, at date: Date = Date()) -> String {
        var counter = UInt64(Int(date.timeIntervalSince1970 / 30) + offset).bigEndian
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: withUnsafeBytes(of: &counter) { Data($0) }, using: SymmetricKey(data: secret)))
        let offset = Int(mac[19] & 0x0F)
        let value = (UInt32(mac[offset] & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16 | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])) % 1_000_000
        return String(format: "%06u", value)
    }
}
