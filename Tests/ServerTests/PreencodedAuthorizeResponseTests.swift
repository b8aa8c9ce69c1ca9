import CBOR
import NIOCore
import Testing
import WebProfilesAPI
import WebProfilesDomain
@testable import WebProfilesServer
import WebProfilesWire

/// The fast path's answer must be byte for byte the answer the slow path encodes.
@Suite("Pre-encoded Authorize answer")
struct PreencodedAuthorizeResponseTests {
    @Test(arguments: [Profile.legalRepresentative, .adminLight, .deviceUser, .user], [true, false])
    func encodesExactlyAsTheAuthorizeResponse(profile: Profile, allowed: Bool) throws {
        let principal = Principal(
            registrationId: "b01d13bd-df9b-476f-82c9-8b3bea4fed71", companyId: "684bcfc5-bf5e-4898-9f3c-8295f496f8d9",
            companyName: "Rossi S.r.l.", username: "anna.bianchi", displayName: "Anna Bianchi", profile: profile,
            referent: profile == .adminLight ? "Referente mobile" : nil, line: profile == .deviceUser ? "+393331234567" : nil,
            permissions: PermissionTable.permissions(of: profile)
        )
        let reason = allowed ? "granted" : "not held by this profile"
        let slow = try Payload.encode(ResponseEnvelope(message: AuthorizeResponse(allowed: allowed, reason: reason, principal: principal)))
        let fast = try Payload.encode(ResponseEnvelope(message: PreencodedAuthorizeResponse(
            allowed: allowed, reason: reason, principal: try CBOREncodedValue(encoding: principal))))
        #expect(fast == slow)
        // And a client decodes it into the same answer.
        let decoded = try CBORDecoder().decode(AuthorizeResponse.self, from: try Payload.document(fast, limits: Payload.responseLimits), key: messageKey)
        #expect(decoded.principal == principal && decoded.allowed == allowed && decoded.reason == reason)
    }

    /// The in-place answer, written straight into a frame buffer, is the same bytes again, and
    /// framed where it is it makes the frame the general path writes.
    @Test(arguments: [Profile.legalRepresentative, .adminLight, .deviceUser, .user],
          [AuthorizationDecision.granted, .profileLacksPermission, .lineOutOfScope])
    func theInPlaceAnswerIsTheSameBytes(profile: Profile, decision: AuthorizationDecision) throws {
        let principal = Principal(
            registrationId: "b01d13bd-df9b-476f-82c9-8b3bea4fed71", companyId: "684bcfc5-bf5e-4898-9f3c-8295f496f8d9",
            companyName: "Rossi S.r.l.", username: "anna.bianchi", displayName: "Anna Bianchi", profile: profile,
            referent: profile == .adminLight ? "Referente mobile" : nil, line: profile == .deviceUser ? "+393331234567" : nil,
            permissions: PermissionTable.permissions(of: profile)
        )
        let slow = try Payload.encode(ResponseEnvelope(message: AuthorizeResponse(allowed: decision.allowed, reason: decision.reason, principal: principal)))
        let inPlace = AuthorizeInPlace.response(decision, principal: try CBOREncodedValue(encoding: principal), allocator: ByteBufferAllocator())
        #expect(inPlace == slow)
        var written = ByteBuffer()
        Frame(kind: .response, status: .ok, streamID: 77, payload: inPlace).write(to: &written)
        var framed = inPlace
        Frame.frameInPlace(&framed, kind: .response, status: .ok, streamID: 77)
        #expect(framed == written)
    }
}
