import CBOR
import NIOCore
import Testing
import WebProfilesAPI
@testable import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// The Swift client's own Authorize path writes the request the general encoder writes, and
/// reads the answers the general decoder reads (or leaves them to it).
@Suite("Client Authorize path")
struct ClientFastPathTests {
    static let principal = Principal(
        registrationId: "b01d13bd-df9b-476f-82c9-8b3bea4fed71", companyId: "684bcfc5-bf5e-4898-9f3c-8295f496f8d9", companyName: "Rossi S.r.l.",
        username: "anna.bianchi", displayName: "Anna Bianchi", profile: .deviceUser, referent: nil, line: "+393331234567",
        permissions: PermissionTable.permissions(of: .deviceUser))

    static let requests: [AuthorizeRequest] = [
        AuthorizeRequest(permission: .invoicesView),
        AuthorizeRequest(permission: .lineManage, line: "+393331234567"),
        AuthorizeRequest(permission: .lineManage, line: "+39 333 123 4567", companyId: "684bcfc5-bf5e-4898-9f3c-8295f496f8d9"),
        AuthorizeRequest(permission: .usersManage, companyId: String(repeating: "x", count: 300)),
    ]

    @Test(arguments: requests, [nil, 0, 23, 24, 255, 65_536, 5_000_000_000] as [UInt64?])
    func theRequestIsTheGeneralEncodersBytes(request: AuthorizeRequest, timeoutMillis: UInt64?) throws {
        for metadata in [[:], [Metadata.authorization: "Bearer wps_" + String(repeating: "A", count: 43)]] {
            var written = AuthorizeRequestWriter.payload(request, timeoutMillis: timeoutMillis, metadata: metadata)
            let general = try Payload.encode(RequestEnvelope(method: SessionAPI.authorize.name, message: request, timeoutMillis: timeoutMillis,
                                                             metadata: metadata))
            #expect(written == general)
            // Framed in place, it is the frame the general path writes.
            var framed = ByteBuffer()
            Frame(kind: .request, streamID: 9, payload: general).write(to: &framed)
            Frame.frameInPlace(&written, kind: .request, streamID: 9)
            #expect(written == framed)
        }
    }

    /// Several metadata entries come in the dictionary's order, as from the general encoder:
    /// the same request once parsed.
    @Test func manyMetadataEntriesParseTheSame() throws {
        let metadata = ["authorization": "Bearer x", "client-ip": "192.0.2.1", "user-agent": "Mozilla/5.0"]
        let written = AuthorizeRequestWriter.payload(Self.requests[2], timeoutMillis: 1_000, metadata: metadata)
        let parsed = try RequestParser.parse(written)
        #expect(parsed.header.method == SessionAPI.authorize.name && parsed.header.timeoutMillis == 1_000 && parsed.header.metadata == metadata)
        let message = try CBORDecoder().decode(AuthorizeRequest.self, from: parsed.document, key: messageKey)
        #expect(message.permission == .lineManage && message.line == "+39 333 123 4567" && message.companyId == Self.requests[2].companyId)
    }

    static func answer(_ response: AuthorizeResponse) throws -> [UInt8] {
        Array(try Payload.encode(ResponseEnvelope(message: response)).readableBytesView)
    }

    @Test func answersReadAsTheGeneralDecoderReadsThem() throws {
        let reader = AuthorizeAnswerReader()
        for (allowed, reason) in [(true, "granted"), (false, "the line is not one of this profile's"), (false, "")] {
            let response = AuthorizeResponse(allowed: allowed, reason: reason, principal: Self.principal)
            let bytes = try Self.answer(response)
            // Twice: decoded the first time, remembered the second.
            for _ in 0..<2 {
                let read = try #require(bytes.withUnsafeBytes { reader.read($0) })
                #expect(read.allowed == allowed && read.reason == reason && read.principal == Self.principal)
            }
        }
        // Another principal is not taken for a remembered one.
        var other = Self.principal
        other.profile = .user
        other.permissions = PermissionTable.permissions(of: .user)
        let read = try #require(try Self.answer(AuthorizeResponse(allowed: true, reason: "granted", principal: other)).withUnsafeBytes { reader.read($0) })
        #expect(read.principal == other)
    }

    /// Whatever is not exactly the daemon's shape is left to the general decoder.
    @Test func otherShapesAreLeftToTheGeneralDecoder() throws {
        let reader = AuthorizeAnswerReader()
        let principal = try CBOREncodedValue(encoding: Self.principal)
        struct Reordered: Encodable { var reason: String; var allowed: Bool; var principal: CBOREncodedValue }
        struct Extra: Encodable { var allowed: Bool; var reason: String; var principal: CBOREncodedValue; var more: Int }
        let shapes: [[UInt8]] = [
            Array(try Payload.encode(ResponseEnvelope(message: Reordered(reason: "granted", allowed: true, principal: principal))).readableBytesView),
            Array(try Payload.encode(ResponseEnvelope(message: Extra(allowed: true, reason: "granted", principal: principal, more: 1))).readableBytesView),
            try Self.answer(AuthorizeResponse(allowed: true, reason: "è concesso", principal: Self.principal)),
            try Self.answer(AuthorizeResponse(allowed: true, reason: "granted", principal: Self.principal)) + [0x00],
            Array(try Self.answer(AuthorizeResponse(allowed: true, reason: "granted", principal: Self.principal)).dropLast()),
            [],
        ]
        for bytes in shapes {
            #expect(bytes.withUnsafeBytes { reader.read($0) } == nil)
        }
    }
}
