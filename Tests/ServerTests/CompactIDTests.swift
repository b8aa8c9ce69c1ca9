import Foundation
import Testing
@testable import WebProfilesServer

/// Ids held compactly come back as the text the store wrote, and compare as texts do.
@Suite("Compact ids")
struct CompactIDTests {
    @Test func uuidsRoundTripAndCompareAsText() {
        for _ in 0..<200 {
            let text = UUID().uuidString.lowercased()
            let id = CompactID(text)
            #expect(id.text == text)
            var copy = text
            let parsed = copy.withUTF8 { CompactID(utf8: UnsafeRawBufferPointer($0)) }
            #expect(parsed == id && parsed.hashValue == id.hashValue)
            #expect(CompactID(UUID().uuidString.lowercased()) != id)
        }
        #expect(CompactID("00000000-0000-0000-0000-000000000000").text == "00000000-0000-0000-0000-000000000000")
        #expect(CompactID("ffffffff-ffff-ffff-ffff-ffffffffffff").text == "ffffffff-ffff-ffff-ffff-ffffffffffff")
    }

    /// Anything else is kept as it is, and never equals a UUID it resembles.
    @Test(arguments: ["", "acc", "684BCFC5-BF5E-4898-9F3C-8295F496F8D9", "684bcfc5bf5e48989f3c8295f496f8d9",
                      "684bcfc5-bf5e-4898-9f3c-8295f496f8d", "684bcfc5-bf5e-4898-9f3c-8295f496f8d9 ", "684bcfc5+bf5e-4898-9f3c-8295f496f8d9",
                      "684bcfc5-bf5e-4898-9f3c-8295f496f8dg"])
    func otherTextsStayText(text: String) {
        let id = CompactID(text)
        #expect(id.text == text)
        #expect(id != CompactID("684bcfc5-bf5e-4898-9f3c-8295f496f8d9"))
        #expect(id == CompactID(text))
    }
}
