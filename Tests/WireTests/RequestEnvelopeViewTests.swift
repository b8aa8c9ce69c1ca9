import CBOR
import NIOCore
import Testing
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesWire

/// The in-place reading of REQUEST envelopes is a subset of the parser: whatever the view
/// accepts, ``RequestParser`` accepts and reads the same way; the rest is left to the parser.
@Suite("Request envelope view")
struct RequestEnvelopeViewTests {
    static let token = "wps_" + String(repeating: "A", count: 43)

    static func payload(metadata: [String: String]? = ["authorization": "Bearer \(token)"], timeout: UInt64? = nil) throws -> [UInt8] {
        try CBOREncoder().encode(RequestEnvelope(method: SessionAPI.authorize.name, message: AuthorizeRequest(permission: .lineManage, line: "+393331234567"),
                                                 timeoutMillis: timeout, metadata: metadata))
    }

    static func view(_ bytes: [UInt8]) -> (method: String, authorization: String?, message: [UInt8], timeout: UInt64?)? {
        bytes.withUnsafeBytes { raw in
            RequestEnvelopeView(raw).map { view in
                (String(decoding: raw[view.method], as: UTF8.self), view.authorization.map { String(decoding: raw[$0], as: UTF8.self) },
                 Array(raw[view.message]), view.timeoutMillis)
            }
        }
    }

    @Test func theClientsEncodingIsReadInPlace() throws {
        let bytes = try Self.payload(metadata: ["authorization": "Bearer \(Self.token)", "client-ip": "192.0.2.7"], timeout: 250)
        let view = try #require(Self.view(bytes))
        #expect(view.method == SessionAPI.authorize.name)
        #expect(view.authorization == "Bearer \(Self.token)")
        #expect(view.timeout == 250)
        let message = try CBORDecoder().decode(AuthorizeRequest.self, from: view.message)
        #expect(message.permission == .lineManage && message.line == "+393331234567")
        #expect(Self.view(try Self.payload(metadata: nil))?.authorization == nil)
    }

    @Test func unusualShapesAreLeftToTheParser() throws {
        let valid = try Self.payload()
        let method = Array(SessionAPI.authorize.name.utf8)
        func text(_ s: String) -> [UInt8] { [0x60 | UInt8(s.utf8.count)] + Array(s.utf8) }
        let message: [UInt8] = [0xA1] + text("permission") + text("company.view")
        let cases: [(String, [UInt8])] = [
            ("a trailing byte", valid + [0x00]),
            ("a truncated payload", Array(valid.dropLast())),
            ("an unknown envelope key", [0xA3] + text("method") + [0x78, UInt8(method.count)] + method + text("message") + message + text("extra") + [0x01]),
            ("a repeated key", [0xA3] + text("method") + [0x78, UInt8(method.count)] + method + text("message") + message + text("message") + message),
            ("a non-shortest map head", [0xB8, 0x02] + text("method") + [0x78, UInt8(method.count)] + method + text("message") + message),
            ("an indefinite-length map", [0xBF] + text("method") + [0x78, UInt8(method.count)] + method + text("message") + message + [0xFF]),
            ("a message that is not a flat map of text", [0xA2] + text("method") + [0x78, UInt8(method.count)] + method + text("message") + [0xA1] + text("checks") + [0x80]),
            ("non-ASCII text", [0xA2] + text("method") + [0x78, UInt8(method.count)] + method + text("message") + [0xA1] + text("permission") + [0x62, 0xC3, 0xA9]),
            ("a tagged value", [0xA2] + text("method") + [0xC0, 0x78, UInt8(method.count)] + method + text("message") + message),
            ("metadata keys repeated", [0xA3] + text("method") + [0x78, UInt8(method.count)] + method + text("message") + message
                + text("metadata") + [0xA2] + text("a") + text("1") + text("a") + text("2")),
            ("an upper-case metadata key", [0xA3] + text("method") + [0x78, UInt8(method.count)] + method + text("message") + message
                + text("metadata") + [0xA1] + text("Authorization") + text("x")),
        ]
        for (name, bytes) in cases {
            #expect(Self.view(bytes) == nil, "\(name)")
        }
    }

    /// Mutations of valid payloads: the view never accepts what the parser refuses, and reads
    /// what both accept the same way.
    @Test func theViewIsASubsetOfTheParser() throws {
        var generator = SystemRandomNumberGenerator()
        let seeds = [try Self.payload(), try Self.payload(metadata: ["authorization": "Bearer x", "user-agent": "ua"], timeout: 9), try Self.payload(metadata: nil)]
        var accepted = 0
        for round in 0..<20_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + round % 3) {
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: Int.random(in: 0...bytes.count, using: &generator))
                case 2 where bytes.count > 1: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &generator))
                default: bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
                }
            }
            guard let view = Self.view(bytes) else { continue }
            accepted += 1
            let parsed: ParsedRequest
            do {
                parsed = try RequestParser.parse(ByteBuffer(bytes: bytes))
            } catch {
                Issue.record("the view accepted \(bytes) that the parser refuses: \(error)")
                continue
            }
            #expect(parsed.header.method == view.method)
            #expect(parsed.header.metadata?[Metadata.authorization] == view.authorization)
            #expect(parsed.header.timeoutMillis == view.timeout)
        }
        #expect(accepted > 0, "no mutation kept the shape: the property was never exercised")
    }
}
