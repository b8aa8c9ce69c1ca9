import CBOR
import Testing

/// The codec's shortcuts (scalars read off the tape, text maps, pre-encoded values, coding paths
/// built only for errors) must give exactly what the general path gives, errors included.
@Suite("Codec fast paths")
struct FastPathTests {
    struct Message: Codable, Equatable {
        var method: String
        var metadata: [String: String]?
        var numbers: [Int]
        var words: [String]
        var nested: Nested
    }

    struct Nested: Codable, Equatable {
        var flag: Bool
        var ratio: Double
        var count: UInt64
        var labels: [String: Int]
    }

    /// The same message as a generic value: encoded by ``CBORValue``'s own path.
    static let message = Message(method: "webprofiles.v1.Session/Authorize", metadata: ["authorization": "Bearer x", "trace": "ü水"],
                                 numbers: [1, -2, 300], words: ["a", "bc"], nested: Nested(flag: true, ratio: 0.5, count: 9, labels: ["k": 1]))

    @Test func roundTripsAndMatchesTheGenericEncoding() throws {
        let bytes = try CBOREncoder().encode(Self.message)
        #expect(try CBORDecoder().decode(Message.self, from: bytes) == Self.message)
        // The bytes are canonical: re-encoding their generic value gives them back (definite
        // lengths, shortest heads, text keys), whichever path wrote each part.
        let generic = try CBORDecoder().decode(CBORValue.self, from: bytes)
        #expect(try CBOREncoder().encode(generic) == bytes)
    }

    @Test func textMapsWithOtherValuesTakeTheGeneralPath() throws {
        // {"a": "x", "b": 1} as [String: String]: the shortcut declines, the general path reports it.
        let bytes: [UInt8] = [0xA2, 0x61, 0x61, 0x61, 0x78, 0x61, 0x62, 0x01]
        #expect(throws: CBORError.self) { try CBORDecoder().decode([String: String].self, from: bytes) }
        #expect(try CBORDecoder().decode([String: CBORValue].self, from: bytes)["b"] == .unsigned(1))
    }

    @Test func errorsStillNameTheFieldsPath() throws {
        // nested.count as a text string, then words[1] as an integer.
        var value = try CBORDecoder().decode(CBORValue.self, from: try CBOREncoder().encode(Self.message))
        guard case .map(var entries) = value, let nestedIndex = entries.firstIndex(where: { $0.key == .text("nested") }),
              case .map(var nested) = entries[nestedIndex].value,
              let countIndex = nested.firstIndex(where: { $0.key == .text("count") }) else {
            Issue.record("unexpected shape"); return
        }
        nested[countIndex].value = .text("nine")
        entries[nestedIndex].value = .map(nested)
        value = .map(entries)
        let error = #expect(throws: CBORError.self) { try CBORDecoder().decode(Message.self, from: try CBOREncoder().encode(value)) }
        #expect(error?.message.contains("nested.count") == true)

        guard case .map(var entries2) = try CBORDecoder().decode(CBORValue.self, from: try CBOREncoder().encode(Self.message)),
              let wordsIndex = entries2.firstIndex(where: { $0.key == .text("words") }) else { return }
        entries2[wordsIndex].value = .array([.text("a"), .unsigned(2)])
        let error2 = #expect(throws: CBORError.self) { try CBORDecoder().decode(Message.self, from: try CBOREncoder().encode(CBORValue.map(entries2))) }
        #expect(error2?.message.contains("words.[1]") == true)
    }

    @Test func preencodedValuesAreWrittenVerbatim() throws {
        struct Holder<T: Encodable>: Encodable { var before: Int; var inner: T; var after: String }
        /// Reaches the value through `encode(to:)`, as property wrappers do.
        struct Wrapper<T: Encodable>: Encodable {
            var wrapped: T
            func encode(to encoder: any Encoder) throws { try wrapped.encode(to: encoder) }
        }
        let nested = Self.message.nested
        let plain = try CBOREncoder().encode(Holder(before: 1, inner: nested, after: "z"))
        let preencoded = try CBOREncoder().encode(Holder(before: 1, inner: try CBOREncodedValue(encoding: nested), after: "z"))
        #expect(plain == preencoded)
        let wrapped = try CBOREncoder().encode(Holder(before: 1, inner: Wrapper(wrapped: try CBOREncodedValue(encoding: nested)), after: "z"))
        #expect(wrapped == plain)
        // Only CBOR can embed CBOR.
        #expect(throws: EncodingError.self) { _ = try JSONEncoderStandIn().encode(try CBOREncodedValue(encoding: nested)) }
    }
}

/// A minimal non-CBOR encoder: enough to show that `CBOREncodedValue` refuses other encoders.
private struct JSONEncoderStandIn {
    func encode(_ value: some Encodable) throws {
        try value.encode(to: StandInEncoder())
    }

    private struct StandInEncoder: Encoder {
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]
        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { fatalError("not used") }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("not used") }
        func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("not used") }
    }
}
