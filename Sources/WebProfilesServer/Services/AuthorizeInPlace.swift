import CBOR
import NIOCore
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesWire

/// `Session/Authorize` answered from the REQUEST's bytes (``Router/registerInPlace(_:on:_:)``):
/// the hot path of every portal page, without a document, a `Codable` decode, a hex string or
/// a copy of the answer.
///
/// It reads the message's `permission`, `line` and `companyId` in place, checks the bearer
/// token's shape as ``Secrets/looksLikeSessionToken(_:)`` does and hashes it
/// into a ``SessionTokenHash``, and runs the same steps as the method's other paths
/// (``Authorizer/authenticateFromMemory(tokenHash:countHits:)``,
/// ``Authorizer/factsFromMemory(companyKey:session:needsLines:countHits:)`` and
/// ``Authorizer/Check``); the answer is the `AuthorizeResponse` written straight into a frame
/// buffer around the principal encoded once when it was cached. Whatever it cannot answer that
/// way (another shape of message, a line not in canonical form, a session or lines not in
/// memory, a session with a required action, any error) it leaves to the other paths.
struct AuthorizeInPlace: Sendable {
    let authorizer: Authorizer

    /// The permissions, with their wire names' bytes.
    private static let permissions: [(permission: Permission, name: [UInt8])] = Permission.allCases.map { ($0, Array($0.rawValue.utf8)) }
    private static let bearer: StaticString = "Bearer "

    func answer(_ bytes: UnsafeRawBufferPointer, _ envelope: RequestEnvelopeView, allocator: ByteBufferAllocator) -> ByteBuffer? {
        let scanner = CBORScanner(bytes)
        // The token: `Bearer wps_…`, of a session token's shape.
        guard let authorization = envelope.authorization, authorization.count > Self.bearer.utf8CodeUnitCount,
              scanner.bytes(authorization.prefix(Self.bearer.utf8CodeUnitCount), equal: Self.bearer) else { return nil }
        let token = authorization.dropFirst(Self.bearer.utf8CodeUnitCount)
        guard Secrets.looksLikeSessionToken(UnsafeRawBufferPointer(rebasing: bytes[token])) else { return nil }

        // The message: permission, and line or companyId, each at most once.
        var message = CBORScanner(bytes, offset: envelope.message.lowerBound)
        guard let fields = message.mapCount(), fields <= 3 else { return nil }
        var permissionName: Range<Int>?, lineText: Range<Int>?, companyText: Range<Int>?
        for _ in 0..<fields {
            guard let key = message.asciiText(), let value = message.asciiText() else { return nil }
            if message.bytes(key, equal: "permission"), permissionName == nil {
                permissionName = value
            } else if message.bytes(key, equal: "line"), lineText == nil {
                lineText = value
            } else if message.bytes(key, equal: "companyId"), companyText == nil {
                companyText = value
            } else {
                return nil
            }
        }
        guard let permissionName,
              let permission = Self.permissions.first(where: { entry in entry.name.withUnsafeBytes { scanner.bytes(permissionName, equal: $0) } })?.permission
        else { return nil }
        var line: MSISDN?
        if let lineText {
            // A line in the stored form (15 bytes at most: the String is held inline).
            guard permission.isLineScoped, lineText.count <= 15,
                  let canonical = MSISDN(canonical: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lineText]), as: UTF8.self))
            else { return nil }
            line = canonical
        } else if permission.isLineScoped {
            return nil
        }

        // The session, and the principal the call acts as.
        let tokenHash = SessionTokenHash(token: UnsafeRawBufferPointer(rebasing: bytes[token]))
        guard case .answered(let session)? = try? authorizer.authenticateFromMemory(tokenHash: tokenHash, countHits: false),
              session.requiredAction == nil else { return nil }
        var companyID: CompactID?
        if let companyText {
            // A company id is a UUID: parsed in place, compared as two integers.
            companyID = CompactID(utf8: UnsafeRawBufferPointer(rebasing: bytes[companyText]))
        }
        guard case .answered(let (principal, lines))? = try? authorizer.factsFromMemory(companyKey: companyID, session: session,
                                                                                        needsLines: line != nil, countHits: false)
        else { return nil }
        let decision = Authorizer.Check(permission, canonicalLine: line).decide(principal, lines: lines)
        authorizer.metrics.cache(.session, hit: true)
        authorizer.metrics.cache(.account, hit: true)
        if line != nil { authorizer.metrics.cache(.lines, hit: true) }
        return Self.response(decision, principal: principal, allocator: allocator)
    }

    /// The RESPONSE payload `{"message": {"allowed", "reason", "principal"}}`, as ``CBOREncoder``
    /// writes a `ResponseEnvelope` of ``PreencodedAuthorizeResponse`` (shortest heads, keys in
    /// declaration order), with room for the frame header before it.
    static func response(_ decision: AuthorizationDecision, principal: CachedPrincipal, allocator: ByteBufferAllocator) -> ByteBuffer {
        let reason = decision.reason.utf8.count
        var buffer = Frame.payloadBuffer(capacity: 48 + reason + principal.encodedCount, allocator: allocator)
        buffer.writeCBORHead(major: 5, 1)
        buffer.writeCBORText("message")
        buffer.writeCBORHead(major: 5, 3)
        buffer.writeCBORText("allowed")
        buffer.writeInteger(decision.allowed ? UInt8(0xF5) : UInt8(0xF4))
        buffer.writeCBORText("reason")
        buffer.writeCBORText(decision.reason)
        buffer.writeCBORText("principal")
        buffer.writeBytes(principal.encodedBeforeCompany)
        buffer.writeBytes(principal.company.encoded)
        buffer.writeBytes(principal.encodedAfterCompany)
        buffer.writeBytes(CachedPrincipal.encodedPermissions(of: principal.profile))
        return buffer
    }
}
