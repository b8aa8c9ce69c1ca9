import CBOR
import Foundation
import NIOCore
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesWire

/// The inputs of the micro-benchmarks, built once: an Authorize call as a line-scoped service
/// makes it (an administrator checking `line.manage` on a mobile line) and the daemon's answer,
/// in every encoding that is measured.
struct MicroFixtures {
    /// A session token of the daemon's shape (`wps_` + 43 base64url characters).
    static let sessionToken = "wps_ij2tphhc2ypWcZKS2mHDT_QiAiCkyKW12-c8FfvmzJI"
    /// The mobile line the check is about (normalised MSISDN).
    static let line = "+393471234567"

    let request: AuthorizeRequest
    let response: AuthorizeResponse

    /// The REQUEST payload as `WebProfilesClient` writes it: a `RequestEnvelope` carrying the
    /// method and the `authorization` metadata next to the message.
    let requestEnvelope: RequestEnvelope<AuthorizeRequest>
    /// The CBOR REQUEST payload (``requestEnvelope`` encoded).
    let requestPayload: ByteBuffer
    /// The CBOR RESPONSE payload as the daemon's router writes it (`ResponseEnvelope`).
    let responsePayload: ByteBuffer
    /// The JSON messages, as the gRPC peer sends them (method and metadata travel in HTTP/2
    /// headers there, so only the message is JSON).
    let requestJSON: Data
    let responseJSON: Data
    /// One whole REQUEST frame (header and ``requestPayload``), as it arrives on the socket.
    let requestFrame: ByteBuffer
    /// The answer as the daemon's fast path sends it: the principal encoded once, when cached.
    let preencodedResponse: PreencodedResponse

    /// The shape of the daemon's `PreencodedAuthorizeResponse` (internal to its server module):
    /// `AuthorizeResponse` with the principal already CBOR.
    struct PreencodedResponse: Encodable {
        var allowed: Bool
        var reason: String
        var principal: CBOREncodedValue
    }

    init() throws {
        request = AuthorizeRequest(permission: .lineManage, line: Self.line)
        let principal = Principal(
            registrationId: "b01d13bd-df9b-476f-82c9-8b3bea4fed71",
            companyId: "684bcfc5-bf5e-4898-9f3c-8295f496f8d9",
            companyName: "Trasporti Adriatici S.r.l.",
            username: "giulia.ferri",
            displayName: "Giulia Ferri",
            profile: .adminLight,
            referent: "Referente amministrativo",
            line: nil,
            permissions: PermissionTable.permissions(of: .adminLight)
        )
        let decision = AuthorizationDecision.decide(permission: request.permission, profile: principal.profile,
                                                    ownLine: principal.line, line: request.line, companyLineKind: .mobile)
        response = AuthorizeResponse(allowed: decision.allowed, reason: decision.reason, principal: principal)

        requestEnvelope = RequestEnvelope(method: SessionAPI.authorize.name, message: request,
                                          metadata: [Metadata.authorization: "Bearer \(Self.sessionToken)"])
        requestPayload = try Payload.encode(requestEnvelope)
        responsePayload = try Payload.encode(ResponseEnvelope(message: response))
        requestJSON = try JSONEncoder().encode(request)
        responseJSON = try JSONEncoder().encode(response)

        preencodedResponse = PreencodedResponse(allowed: response.allowed, reason: response.reason,
                                                principal: try CBOREncodedValue(encoding: principal))
        guard try Payload.encode(ResponseEnvelope(message: preencodedResponse)) == responsePayload else {
            throw CBORError(code: .unsupported, message: "the pre-encoded answer does not encode as the answer")
        }

        var frame = ByteBuffer()
        Frame(kind: .request, streamID: 1, payload: requestPayload).write(to: &frame)
        requestFrame = frame
    }
}
