import CBOR
import ProtocolTestVectors
import Testing
import WebProfilesAPI
import WebProfilesWire

/// Decodes a message into a method's request or response type and encodes it again, with the
/// project's CBOR decoder and encoder (and the limits each side reads with).
private protocol MessageRoundTrip {
    func reencode(kind: String, _ bytes: [UInt8]) throws -> [UInt8]
}

extension MethodDescriptor: MessageRoundTrip {
    fileprivate func reencode(kind: String, _ bytes: [UInt8]) throws -> [UInt8] {
        switch kind {
        case "request":
            return try CBOREncoder().encode(try CBORDecoder(limits: Payload.peerLimits).decode(Request.self, from: bytes))
        case "response":
            return try CBOREncoder().encode(try CBORDecoder(limits: Payload.responseLimits).decode(Response.self, from: bytes))
        default:
            throw CBORError(code: .unsupported, message: "unknown vector kind \(kind)")
        }
    }
}

extension MessageVectors.Message: CustomTestStringConvertible {
    public var testDescription: String { "\(method.split(separator: ".").last ?? "") \(kind) \(name)" }
}

extension MessageVectors.ErrorAnswer: CustomTestStringConvertible {
    public var testDescription: String { name }
}

/// Protocol/vectors/messages.json (written by Protocol/vectors/generate.py, independent of this
/// code) against the Swift types: every golden message decodes into its method's type and encodes
/// back to the same bytes, and every method of ``APICatalog`` has golden messages.
@Suite("Golden messages")
struct MessageVectorTests {
    static let vectors = MessageVectors.shared

    /// The keys whose values are `[String: String]` maps (audit events' `before` and `after`):
    /// a Swift dictionary has no fixed order, so the encoder writes their entries in any order.
    static let unorderedMaps: Set<String> = ["before", "after"]

    @Test("each golden message decodes into its method's type and re-encodes to the same bytes", arguments: vectors.messages)
    func roundTrip(vector: MessageVectors.Message) throws {
        let descriptor = try #require(APICatalog.byName[vector.method], "\(vector.method) is not in APICatalog")
        let codec = try #require(descriptor as? any MessageRoundTrip)
        let golden = vector.hex.hexBytes
        let encoded = try codec.reencode(kind: vector.kind, golden)
        if encoded != golden {
            // Only the order of entries in a text-to-text map may differ.
            let value = try CBORDecoder().decode(CBORValue.self, from: golden)
            #expect(Self.hasUnorderedMap(value), "re-encoded bytes differ: \(Self.hex(encoded))")
            #expect(try Self.sortingUnorderedMaps(CBORDecoder().decode(CBORValue.self, from: encoded)) == Self.sortingUnorderedMaps(value))
            #expect(encoded.count == golden.count)
        }
    }

    /// The router's own path: the request inside a REQUEST payload, decoded by the descriptor.
    @Test("each golden request decodes the way the daemon's router decodes it", arguments: vectors.messages.filter { $0.kind == "request" })
    func routerDecodes(vector: MessageVectors.Message) throws {
        let descriptor = try #require(APICatalog.byName[vector.method])
        // {"method": …, "message": <the golden bytes as they are>}
        let encoder = CBOREncoder()
        let payload = [0xA2] + (try encoder.encode(CBORValue.text("method"))) + (try encoder.encode(CBORValue.text(vector.method)))
            + (try encoder.encode(CBORValue.text(messageKey))) + vector.hex.hexBytes
        let document = try CBORDocument(bytes: payload, limits: Payload.peerLimits)
        _ = try descriptor.decodeRequest(from: document, key: messageKey)
        #expect(try CBORDecoder().decode(RequestHeader.self, from: payload).method == vector.method)
    }

    @Test func everyMethodHasARequestAndAResponse() {
        let covered = Set(Self.vectors.messages.map { "\($0.method) \($0.kind)" })
        for method in APICatalog.methods {
            #expect(covered.contains("\(method.name) request"), "no golden request of \(method.name)")
            #expect(covered.contains("\(method.name) response"), "no golden response of \(method.name)")
        }
        for vector in Self.vectors.messages {
            #expect(APICatalog.byName[vector.method] != nil, "golden message \(vector.name) of \(vector.method), not in APICatalog")
            #expect(["request", "response"].contains(vector.kind))
        }
    }

    @Test("each golden error answer decodes as an error envelope and re-encodes to the same bytes", arguments: vectors.errors)
    func errorRoundTrip(vector: MessageVectors.ErrorAnswer) throws {
        #expect(APICatalog.byName[vector.method] != nil)
        let status = StatusCode(rawValue: vector.statusCode)
        #expect(status != .ok && status.name == vector.status)
        let golden = vector.hex.hexBytes
        let envelope = try CBORDecoder(limits: Payload.responseLimits).decode(ErrorEnvelope.self, from: golden)
        #expect(try CBOREncoder().encode(envelope) == golden)
        // As the daemon writes an RPCError's message and details.
        #expect(try CBOREncoder().encode(ErrorEnvelope(message: envelope.error.message, details: envelope.error.details)) == golden)
    }

    static func hasUnorderedMap(_ value: CBORValue) -> Bool {
        switch value {
        case .map(let entries):
            return entries.contains { entry in
                if case .text(let key) = entry.key, unorderedMaps.contains(key), case .map(let inner) = entry.value, inner.count > 1 { return true }
                return hasUnorderedMap(entry.value)
            }
        case .array(let items): return items.contains(where: hasUnorderedMap)
        case .tagged(_, let inner): return hasUnorderedMap(inner)
        default: return false
        }
    }

    /// `value` with the entries of its unordered maps sorted by key.
    static func sortingUnorderedMaps(_ value: CBORValue) -> CBORValue {
        switch value {
        case .map(let entries):
            return .map(entries.map { entry in
                if case .text(let key) = entry.key, unorderedMaps.contains(key), case .map(let inner) = entry.value {
                    return CBORValue.Entry(entry.key, .map(inner.sorted { $0.key.diagnosticNotation < $1.key.diagnosticNotation }))
                }
                return CBORValue.Entry(entry.key, sortingUnorderedMaps(entry.value))
            })
        case .array(let items): return .array(items.map(sortingUnorderedMaps))
        case .tagged(let tag, let inner): return .tagged(tag, sortingUnorderedMaps(inner))
        default: return value
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
