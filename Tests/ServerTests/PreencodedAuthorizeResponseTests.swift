import CBOR
import Foundation
import NIOCore
import Testing
import WebProfilesAPI
import WebProfilesDomain
@testable import WebProfilesServer
import WebProfilesStore
import WebProfilesWire

/// The fast paths' answers must be byte for byte the answer the slow path encodes, from the
/// principal as memory holds it (``CachedPrincipal``: its CBOR without the shared permissions).
@Suite("Pre-encoded Authorize answer")
struct PreencodedAuthorizeResponseTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A registration of `profile`, its principal as the wire shows it, and as memory holds it.
    static func principal(_ profile: Profile) throws -> (Principal, CachedPrincipal) {
        let referent = profile == .adminLight ? "Referente mobile" : nil
        let line = profile == .deviceUser ? "+393331234567" : nil
        let principal = Principal(
            registrationId: "b01d13bd-df9b-476f-82c9-8b3bea4fed71", companyId: "684bcfc5-bf5e-4898-9f3c-8295f496f8d9",
            companyName: "Rossi S.r.l.", username: "anna.bianchi", displayName: "Anna Bianchi", profile: profile,
            referent: referent, line: line, permissions: PermissionTable.permissions(of: profile)
        )
        let record = RegistrationRecord(
            membership: MembershipRecord(id: principal.registrationId, accountId: "0d7c3c52-3a0f-4b8e-9d0e-6b7a5f1e2c3d", companyId: principal.companyId,
                                         displayName: principal.displayName, email: "anna@rossi.example", profile: profile, referent: referent, line: line,
                                         status: .active, invited: false, activationCodeHash: nil, activationExpiresAt: nil, searchText: "",
                                         createdAt: now, updatedAt: now),
            account: AccountRecord(id: "0d7c3c52-3a0f-4b8e-9d0e-6b7a5f1e2c3d", username: principal.username, displayName: principal.displayName,
                                   email: "anna@rossi.example", createdAt: now, updatedAt: now))
        return (principal, try CachedPrincipal(record, company: SharedCompany(id: principal.companyId, name: principal.companyName)))
    }

    /// The shared permission lists are indexed by rank: the ranks are 0, 1, … in some order.
    @Test func profileRanksNumberTheProfiles() {
        #expect(Profile.allCases.map(\.rank).sorted() == Array(0..<Profile.allCases.count))
    }

    /// Memory keeps each field once: the principal decoded from its CBOR is the one encoded.
    @Test(arguments: Profile.allCases)
    func theCachedPrincipalKeepsEveryField(profile: Profile) throws {
        let (principal, cached) = try Self.principal(profile)
        #expect(try cached.principal == principal)
        #expect(cached.encoded == (try CBOREncoder().encode(principal)))
        #expect(cached.registrationID == principal.registrationId && cached.companyID == principal.companyId)
        #expect(cached.profile == profile && cached.line == principal.line)
    }

    @Test(arguments: [Profile.legalRepresentative, .adminLight, .deviceUser, .user], [true, false])
    func encodesExactlyAsTheAuthorizeResponse(profile: Profile, allowed: Bool) throws {
        let (principal, cached) = try Self.principal(profile)
        let reason = allowed ? "granted" : "not held by this profile"
        let slow = try Payload.encode(ResponseEnvelope(message: AuthorizeResponse(allowed: allowed, reason: reason, principal: principal)))
        let fast = try Payload.encode(ResponseEnvelope(message: PreencodedAuthorizeResponse(
            allowed: allowed, reason: reason, principal: CBOREncodedValue(encodedBytes: cached.encoded))))
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
        let (principal, cached) = try Self.principal(profile)
        let slow = try Payload.encode(ResponseEnvelope(message: AuthorizeResponse(allowed: decision.allowed, reason: decision.reason, principal: principal)))
        let inPlace = AuthorizeInPlace.response(decision, principal: cached, allocator: ByteBufferAllocator())
        #expect(inPlace == slow)
        var written = ByteBuffer()
        Frame(kind: .response, status: .ok, streamID: 77, payload: inPlace).write(to: &written)
        var framed = inPlace
        Frame.frameInPlace(&framed, kind: .response, status: .ok, streamID: 77)
        #expect(framed == written)
    }
}
