import CBOR
import ProtocolTestVectors
import NIOCore
import NIOEmbedded
import NIOTestUtils
import PropertyBased
import Testing
import WebProfilesAPI
import WebProfilesWire

@Suite("Frame decoder")
struct FrameDecoderTests {
    static let vectors = ProtocolVectors.shared

    static func statusCode(_ name: String) -> StatusCode {
        StatusCode(rawValue: UInt16((0...16).first { StatusCode(rawValue: UInt16($0)).name == name }!))
    }

    @Test("golden frames decode to their fields and re-encode to the same bytes", arguments: vectors.frames)
    func goldenFrame(vector: ProtocolVectors.ValidFrame) throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: vector.hex.hexBytes))
        let frame = try #require(try channel.readInbound(as: Frame.self))
        #expect(frame.kind.description == vector.kind)
        #expect(frame.status == Self.statusCode(vector.status))
        #expect(frame.streamID == vector.streamId)
        if let payloadHex = vector.payloadHex {
            #expect(Array(frame.payload.readableBytesView) == payloadHex.hexBytes)
        }
        var out = ByteBuffer()
        frame.write(to: &out)
        #expect(Array(out.readableBytesView) == vector.hex.hexBytes)
        #expect(try channel.finish().isClean)
    }

    /// The typed messages of the Swift code encode to exactly the golden payloads.
    @Test func typedPayloadsMatchGoldenBytes() throws {
        func payload(_ name: String) -> [UInt8] { Array(Self.vectors.frame(name).hex.hexBytes.dropFirst(12)) }
        let encoder = CBOREncoder()
        #expect(try encoder.encode(Hello(peer: "example-client/1.0", maxFrameBytes: 1 << 20)) == payload("client-hello"))
        #expect(try encoder.encode(RequestEnvelope(method: HealthAPI.check.name, message: Empty())) == payload("request-health"))
        #expect(try encoder.encode(RequestEnvelope(
            method: "webprofiles.v1.Session/Whoami", message: Empty(), timeoutMillis: 5000,
            metadata: ["authorization": "Bearer wps_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]
        )) == payload("request-timeout-metadata"))
        #expect(try encoder.encode(ResponseEnvelope(message: HealthCheckResponse(status: "serving", version: "0.1.0", uptimeSeconds: 12.5))) == payload("response-ok"))
        #expect(try encoder.encode(ErrorEnvelope(message: "unknown method \"webprofiles.v1.Nope/Nope\"")) == payload("response-error"))
        #expect(try encoder.encode(ErrorEnvelope(message: "username: must not be empty", details: .textMap(["field": .text("username")]))) == payload("response-error-details"))
        #expect(try encoder.encode(GoAway(lastStreamId: 7, message: "server is shutting down")) == payload("goaway"))
    }

    /// Connection errors the decoder itself detects (the others are the connection's).
    @Test("framing violations are refused with the GOAWAY status", arguments: vectors.connectionErrors.filter {
        !$0.first && !["second-hello", "response-from-client"].contains($0.name)
    })
    func framingViolation(vector: ProtocolVectors.ConnectionError) throws {
        var decoder = FrameDecoder()
        var buffer = ByteBuffer(bytes: vector.hex.hexBytes)
        let error = #expect(throws: FrameError.self) {
            while try decoder.decode(buffer: &buffer) != nil {}
        }
        #expect(error?.status == Self.statusCode(vector.goawayStatus))
    }

    @Test func oversizedFrameIsRefusedFromItsLengthAlone() throws {
        var decoder = FrameDecoder(maxFrameBytes: 1024)
        var buffer = ByteBuffer(bytes: [0x00, 0x00, 0x04, 0x01]) // length 1025, nothing else yet
        do {
            _ = try decoder.decode(buffer: &buffer)
            Issue.record("accepted")
        } catch let error as FrameError {
            #expect(error.status == .resourceExhausted)
        }
        // Once failed, the decoder stays failed.
        var more = ByteBuffer(bytes: Self.vectors.frame("ping").hex.hexBytes)
        #expect(throws: FrameError.self) { _ = try decoder.decode(buffer: &more) }
    }

    @Test func verifierAcceptsEveryGoldenFrame() throws {
        let pairs: [(ByteBuffer, [Frame])] = try Self.vectors.frames.map { vector in
            var decoder = FrameDecoder()
            var buffer = ByteBuffer(bytes: vector.hex.hexBytes)
            let frame = try #require(try decoder.decode(buffer: &buffer))
            return (ByteBuffer(bytes: vector.hex.hexBytes), [frame])
        }
        // Feeds the inputs whole, byte by byte and in every mix NIO's verifier tries.
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { FrameDecoder() }
    }

    @Test func framesSplitAnywhereDecodeTheSame() async throws {
        let stream = Self.vectors.frames.flatMap { $0.hex.hexBytes }
        let expected = Self.vectors.frames.count
        await propertyCheck(count: 300, input: Gen.int(in: 1...64).array(of: 1...40)) { cuts in
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
            var offset = 0
            var i = 0
            while offset < stream.count {
                let size = min(cuts[i % cuts.count], stream.count - offset)
                try channel.writeInbound(ByteBuffer(bytes: stream[offset..<offset + size]))
                offset += size
                i += 1
            }
            var frames: [Frame] = []
            while let frame = try channel.readInbound(as: Frame.self) { frames.append(frame) }
            #expect(frames.count == expected)
            _ = try channel.finish()
        }
    }

    @Test func anyBytesGiveFramesNeedMoreOrATypedError() async {
        await propertyCheck(count: 3000, input: Gen.uint8(in: 0...255).array(of: 0...80)) { bytes in
            var decoder = FrameDecoder(maxFrameBytes: 64)
            var buffer = ByteBuffer(bytes: bytes)
            do {
                while let frame = try decoder.decode(buffer: &buffer) {
                    #expect(frame.lengthField <= 64)
                }
            } catch is FrameError {
                // the only failure allowed
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}

