import Testing
@testable import WebProfilesServer

/// The one lowercase-hex rule the digests and ids in memory are written and read by.
@Suite("Lowercase hex")
struct LowercaseHexTests {
    @Test func everyByteGoesAndComesBack() {
        let bytes = (0...255).map(UInt8.init)
        let text = bytes.withUnsafeBytes { LowercaseHex.string($0) }
        #expect(text.hasPrefix("000102") && text.hasSuffix("fdfeff") && text.utf8.count == 512)
        let utf8 = Array(text.utf8)
        let back = (0..<256).map { i in LowercaseHex.nibble(utf8[2 * i]).flatMap { high in LowercaseHex.nibble(utf8[2 * i + 1]).map { high << 4 | $0 } } }
        #expect(back == bytes.map(Optional.some))
        #expect(Array("0123456789abcdef".utf8) == (0..<16).map { LowercaseHex.digit(UInt8($0)) })
    }

    @Test func onlyLowercaseDigitsAreRead() {
        for byte in UInt8(0)...UInt8(255) {
            let isDigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            #expect((LowercaseHex.nibble(byte) != nil) == isDigit)
        }
        // The database's form of a token hash is lowercase: an uppercase one is no hash.
        let hash = SessionTokenHash(token: "wps_example")
        #expect(SessionTokenHash(hex: hash.hex) == hash)
        #expect(SessionTokenHash(hex: hash.hex.uppercased()) == nil || hash.hex == hash.hex.uppercased())
        #expect(Secrets.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
