import Crypto
import Testing
@testable import WebProfilesServer

/// The stack SHA-256 that keys sessions in memory gives the digests of FIPS 180-4 and of
/// swift-crypto, for every length around the block and padding boundaries.
@Suite("SHA-256 on the stack")
struct SHA256OnStackTests {
    static func hex(_ bytes: [UInt8]) -> String {
        let state = bytes.withUnsafeBytes { SHA256OnStack.hash($0) }
        var text = ""
        for i in 0..<8 {
            let word = String(state[i], radix: 16)
            text += String(repeating: "0", count: 8 - word.count) + word
        }
        return text
    }

    static func reference(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// FIPS 180-4's examples (NIST's "SHA256.pdf" and the CAVS short-message vectors).
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func publishedExamples(message: String, digest: String) {
        #expect(Self.hex(Array(message.utf8)) == digest)
    }

    @Test func aMillionAs() {
        #expect(Self.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every length from 0 to 300 bytes (one, two and several blocks, a tail on each side of 56),
    /// with bytes that differ by position so that a misplaced byte shows.
    @Test func everyLengthMatchesSwiftCrypto() {
        for length in 0...300 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ length) }
            #expect(Self.hex(bytes) == Self.reference(bytes), "length \(length)")
        }
    }

    @Test func randomInputsMatchSwiftCrypto() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...1_000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Self.hex(bytes) == Self.reference(bytes))
        }
    }

    /// The session key built from it is the digest the store keeps, in hex.
    @Test func sessionKeysKeepTheStoresForm() {
        for token in ["wps_" + String(repeating: "Z", count: 43), "", "wps_é", String(repeating: "x", count: 200)] {
            #expect(SessionTokenHash(token: token).hex == Self.reference(Array(token.utf8)))
        }
    }
}
