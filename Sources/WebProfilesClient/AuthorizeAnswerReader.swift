import CBOR
import Foundation
import Synchronization
import WebProfilesAPI
import WebProfilesWire

/// Reads `Session/Authorize` answers in place, without the general decoder: the client's half
/// of the hot path.
///
/// A session's answers carry the same principal call after call, and decoding it (with its
/// permission list) was most of a call's cost on the client. The answer is scanned where it is;
/// its principal, the answer's last item, is compared byte for byte with the few decoded last,
/// and only a principal not among them is decoded. Any other shape of answer (other keys, another
/// order, text that is not plain ASCII) returns nil, and the caller decodes it the general way:
/// what this reads is what that decodes, never a second opinion.
final class AuthorizeAnswerReader: Sendable {
    /// The principals decoded last, with their bytes, newest last.
    private let recent = Mutex<[(bytes: [UInt8], principal: Principal)]>([])
    /// How many principals are remembered (a client's few sessions).
    static let recentLimit = 8

    init() {}

    /// The answer in a RESPONSE frame's payload, or nil to decode it the general way.
    func read(_ payload: UnsafeRawBufferPointer) -> AuthorizeResponse? {
        var scanner = CBORScanner(payload)
        guard scanner.mapCount() == 1, let envelopeKey = scanner.asciiText(), scanner.bytes(envelopeKey, equal: "message"),
              scanner.mapCount() == 3,
              let allowedKey = scanner.asciiText(), scanner.bytes(allowedKey, equal: "allowed"), let allowed = scanner.bool(),
              let reasonKey = scanner.asciiText(), scanner.bytes(reasonKey, equal: "reason"), let reason = scanner.asciiText(),
              let principalKey = scanner.asciiText(), scanner.bytes(principalKey, equal: "principal"),
              let principal = principal(UnsafeRawBufferPointer(rebasing: payload[scanner.offset...]))
        else { return nil }
        return AuthorizeResponse(allowed: allowed, reason: String(decoding: UnsafeRawBufferPointer(rebasing: payload[reason]), as: UTF8.self),
                                 principal: principal)
    }

    private static func same(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard let first = a.baseAddress, let second = b.baseAddress else { return a.count == b.count }
        return a.count == b.count && memcmp(first, second, a.count) == 0
    }

    /// The principal whose CBOR is `bytes` (the rest of the answer: one item, nothing after it).
    private func principal(_ bytes: UnsafeRawBufferPointer) -> Principal? {
        let known = recent.withLock { recent -> Principal? in
            recent.last { entry in
                entry.bytes.count == bytes.count && entry.bytes.withUnsafeBytes { Self.same($0, bytes) }
            }?.principal
        }
        if let known { return known }
        let copy = Array(bytes)
        // The general decoder, with the limits of the general path: it refuses anything after
        // the item, and anything malformed or out of bounds.
        guard let decoded = try? CBORDecoder(limits: Payload.responseLimits).decode(Principal.self, from: copy) else { return nil }
        recent.withLock { recent in
            if recent.count == Self.recentLimit { recent.removeFirst() }
            recent.append((copy, decoded))
        }
        return decoded
    }
}
