import CBOR
import Foundation
import Testing

@Suite("Codable encoding and decoding")
struct CodableTests {
    enum Colour: String, Codable { case red, green }

    struct Inner: Codable, Equatable {
        var name: String
        var tags: [String]
    }

    struct Sample: Codable, Equatable {
        var id: Int
        var big: UInt64
        var negative: Int64
        var ratio: Double
        var flag: Bool
        var colour: Colour
        var note: String?
        var when: Date
        var blob: Data
        var inner: Inner
        var list: [Inner]
        var table: [String: Int]
    }

    static let sample = Sample(
        id: 7, big: .max, negative: -500, ratio: 1.5, flag: true, colour: .green, note: nil,
        when: Date(timeIntervalSince1970: 1_363_896_240), blob: Data([1, 2, 3]),
        inner: Inner(name: "ü水", tags: ["a", "b"]), list: [Inner(name: "x", tags: [])], table: ["k": 1]
    )

    @Test func roundTripsEveryKindOfField() throws {
        let bytes = try CBOREncoder().encode(Self.sample)
        #expect(try CBORDecoder().decode(Sample.self, from: bytes) == Self.sample)
    }

    @Test func encodesAsTheSpecSays() throws {
        struct Small: Codable { var a: Int; var b: String?; var c: Colour; var d: Date; var e: Data }
        let bytes = try CBOREncoder().encode(Small(a: 24, b: nil, c: .red, d: Date(timeIntervalSince1970: 1_363_896_240.5), e: Data([0xFF])))
        // {"a": 24, "c": "red", "d": 1(1363896240.5), "e": h'ff'} — b omitted, shortest ints,
        // enum as text, Date as tag 1, Data as a byte string.
        let expected: [UInt8] = [0xA4, 0x61, 0x61, 0x18, 0x18, 0x61, 0x63, 0x63, 0x72, 0x65, 0x64,
                                 0x61, 0x64, 0xC1, 0xFB, 0x41, 0xD4, 0x52, 0xD9, 0xEC, 0x20, 0x00, 0x00,
                                 0x61, 0x65, 0x41, 0xFF]
        #expect(bytes == expected)
    }

    @Test func wholeSecondDatesAreIntegers() throws {
        let bytes = try CBOREncoder().encode(Date(timeIntervalSince1970: 1_363_896_240))
        #expect(bytes == [0xC1, 0x1A, 0x51, 0x4B, 0x67, 0xB0])
    }

    @Test func largeContainersGetLongHeads() throws {
        let array = Array(0..<300)
        let bytes = try CBOREncoder().encode(array)
        #expect(Array(bytes.prefix(3)) == [0x99, 0x01, 0x2C])
        #expect(try CBORDecoder().decode([Int].self, from: bytes) == array)
        let dict = Dictionary(uniqueKeysWithValues: (0..<30).map { ("k\($0)", $0) })
        let dictBytes = try CBOREncoder().encode(dict)
        #expect(dictBytes.first == 0xB8 && dictBytes[1] == 30)
        #expect(try CBORDecoder().decode([String: Int].self, from: dictBytes) == dict)
    }

    @Test func unknownKeysAreIgnored() throws {
        struct V2: Codable { var name: String; var tags: [String]; var extra: [Int]; var more: String }
        let bytes = try CBOREncoder().encode(V2(name: "n", tags: ["t"], extra: [1, 2], more: "m"))
        #expect(try CBORDecoder().decode(Inner.self, from: bytes) == Inner(name: "n", tags: ["t"]))
    }

    @Test func indefiniteLengthsAreAccepted() throws {
        // {_ "name": (_ "a", "b"), "tags": [_ "x"]}
        let bytes: [UInt8] = [0xBF, 0x64, 0x6E, 0x61, 0x6D, 0x65, 0x7F, 0x61, 0x61, 0x61, 0x62, 0xFF,
                              0x64, 0x74, 0x61, 0x67, 0x73, 0x9F, 0x61, 0x78, 0xFF, 0xFF]
        #expect(try CBORDecoder().decode(Inner.self, from: bytes) == Inner(name: "ab", tags: ["x"]))
    }

    @Test func integersOutOfRangeAreRejected() throws {
        let bytes = try CBOREncoder().encode(300)
        #expect(throws: CBORError.self) { try CBORDecoder().decode(UInt8.self, from: bytes) }
        #expect(try CBORDecoder().decode(Int64.self, from: [0x3B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == .min)
        #expect(throws: CBORError.self) { try CBORDecoder().decode(Int64.self, from: [0x3B, 0x80, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: CBORError.self) { try CBORDecoder().decode(UInt.self, from: [0x20]) }
    }

    @Test func cborValueRoundTripsThroughJSONShape() throws {
        let value = CBORValue.textMap(["a": .array([.unsigned(1), .int(-2), .text("x"), .null, .bool(true)])])
        let json = try JSONEncoder().encode(value)
        #expect(String(decoding: json, as: UTF8.self) == #"{"a":[1,-2,"x",null,true]}"#)
    }
}

@Suite("Decoder rejections")
struct RejectionTests {
    struct Named: Codable { var name: String }

    static let cases: [(String, [UInt8], CBORError.Code)] = [
        ("empty input", [], .truncated),
        ("truncated integer argument", [0x19, 0x01], .truncated),
        ("truncated text", [0x63, 0x61, 0x62], .lengthExceedsInput),
        ("truncated array", [0x82, 0x01, 0x19, 0x01], .truncated),
        ("array count beyond the input", [0x83, 0x01, 0x02], .lengthExceedsInput),
        ("unterminated indefinite array", [0x9F, 0x01], .truncated),
        ("trailing bytes", [0x01, 0x02], .trailingBytes),
        ("byte string longer than the input", [0x5A, 0xFF, 0xFF, 0xFF, 0xFF, 0x00], .lengthExceedsInput),
        ("array count larger than the input", [0x9B, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01], .lengthExceedsInput),
        ("map count larger than the input", [0xBA, 0x10, 0x00, 0x00, 0x00, 0x01, 0x01], .lengthExceedsInput),
        ("duplicate text key", [0xA2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02], .duplicateMapKey),
        ("duplicate integer key", [0xA2, 0x01, 0x01, 0x01, 0x02], .duplicateMapKey),
        ("duplicate key in an indefinite map", [0xBF, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02, 0xFF], .duplicateMapKey),
        ("invalid UTF-8", [0x62, 0xC3, 0x28], .invalidUTF8),
        ("UTF-8 surrogate", [0x63, 0xED, 0xA0, 0x80], .invalidUTF8),
        ("overlong UTF-8", [0x62, 0xC0, 0xAF], .invalidUTF8),
        ("invalid UTF-8 in a chunk", [0x7F, 0x61, 0xFF, 0xFF], .invalidUTF8),
        ("reserved additional information", [0x1C], .malformed),
        ("stray break", [0xFF], .malformed),
        ("indefinite integer", [0x1F], .malformed),
        ("wrong chunk type", [0x5F, 0x61, 0x61, 0xFF], .malformed),
        ("odd indefinite map", [0xBF, 0x01, 0xFF], .malformed),
        ("two-byte simple below 24", [0xF8, 0x17], .malformed),
        ("nesting of 65 arrays", Array(repeating: 0x81, count: 65) + [0x00], .nestingTooDeep),
        ("nesting of 65 tags", Array(repeating: 0xC6, count: 65) + [0x00], .nestingTooDeep),
    ]

    @Test("malformed input is rejected with its code", arguments: cases)
    func rejects(name: String, bytes: [UInt8], code: CBORError.Code) {
        do {
            _ = try CBORDecoder().decode(CBORValue.self, from: bytes)
            Issue.record("\(name) was accepted")
        } catch let error as CBORError {
            #expect(error.code == code, "\(name): \(error)")
        } catch {
            Issue.record("\(name): unexpected \(error)")
        }
    }

    @Test func sixtyFourLevelsAreAccepted() throws {
        let bytes = Array(repeating: UInt8(0x81), count: 64) + [0x00]
        _ = try CBORDecoder().decode(CBORValue.self, from: bytes)
    }

    @Test func largeMapsWithDuplicatesAreRejected() throws {
        var bytes: [UInt8] = [0xB8, 40]
        for i in 0..<39 { bytes += [0x18, UInt8(24 + i), 0x00] }
        bytes += [0x18, 24, 0x00]
        #expect(throws: CBORError.self) { try CBORDecoder().decode(CBORValue.self, from: bytes) }
    }

    @Test func wrongTypesAreRejected() {
        func code(_ bytes: [UInt8]) -> CBORError.Code? {
            do { _ = try CBORDecoder().decode(Named.self, from: bytes); return nil } catch { return (error as? CBORError)?.code }
        }
        #expect(code([0xA1, 0x64, 0x6E, 0x61, 0x6D, 0x65, 0x01]) == .typeMismatch) // {"name": 1}
        #expect(code([0x80]) == .typeMismatch) // []
        #expect(code([0xA0]) == .missingKey) // {}
    }
}
