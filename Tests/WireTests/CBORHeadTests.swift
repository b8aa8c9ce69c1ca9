import CBOR
import NIOCore
import Testing
import WebProfilesWire

/// The frame buffers' CBOR heads and texts are the encoder's, byte for byte, at every width.
@Suite("CBOR heads written into buffers")
struct CBORHeadTests {
    static let boundaries: [UInt64] = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 4_294_967_295, 4_294_967_296, .max]

    @Test(arguments: boundaries)
    func headsAreTheEncodersAtEveryWidth(_ value: UInt64) throws {
        var buffer = ByteBuffer()
        buffer.writeCBORHead(major: 0, value)
        #expect(Array(buffer.readableBytesView) == (try CBOREncoder().encode(value)))
        let head = CBORHead(major: 5, value)
        #expect(head.initialByte >> 5 == 5)
        #expect(1 + head.argumentWidth == buffer.readableBytes)
    }

    @Test func textsAreTheEncoders() throws {
        for text in ["", "message", String(repeating: "é", count: 200), String(repeating: "x", count: 70_000)] {
            var buffer = ByteBuffer()
            buffer.writeCBORText(text)
            #expect(Array(buffer.readableBytesView) == (try CBOREncoder().encode(text)))
        }
    }
}
