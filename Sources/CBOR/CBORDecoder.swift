#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes `Decodable` values from CBOR (RFC 8949).
///
/// The input is first parsed and validated in full (``CBORDocument``): truncated input, trailing
/// bytes, lengths beyond the input, duplicate map keys, invalid UTF-8, keys that are containers, and
/// whatever ``limits`` exceeds are all rejected with a ``CBORError`` before any value is built. Indefinite
/// lengths are accepted. Map keys the type does not know are ignored (forward compatibility).
/// Tags other than 1 are looked through; `Date` requires tag 1 (epoch seconds, integer or float);
/// `Data` reads a byte string; ``CBORValue`` reads any data item.
public struct CBORDecoder: Sendable {
    /// What the input may contain (nesting depth, number of items, kinds of map keys).
    public var limits: CBORDocument.Limits

    public init(limits: CBORDocument.Limits = .default) {
        self.limits = limits
    }

    /// Decodes one `T` from exactly the bytes given.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let document = try CBORDocument(bytes: bytes, limits: limits)
        return try decode(type, from: document)
    }

    /// Decodes the value stored under a text `key` of the document's top-level map.
    ///
    /// Used for envelopes whose inner message type is known only after reading another field.
    public func decode<T: Decodable>(_ type: T.Type, from document: CBORDocument, key: String) throws -> T {
        let root = _CBORDecoder(document: document, index: 0)
        let container = try root.container(keyedBy: AnyCodingKey.self)
        return try container.decode(type, forKey: AnyCodingKey(stringValue: key))
    }

    /// Decodes one `T` from an already parsed document.
    public func decode<T: Decodable>(_ type: T.Type, from document: CBORDocument) throws -> T {
        let decoder = _CBORDecoder(document: document, index: 0)
        return try decoder.decodeValue(type)
    }
}

/// The `Decoder` handed to `init(from:)`: one node of the document and its coding path.
final class _CBORDecoder: Decoder {
    let document: CBORDocument
    let index: Int
    /// The decoder of the enclosing container and this value's key in it (nil at the root). The
    /// coding path is rebuilt from this chain only when asked for (errors), instead of every
    /// nested value allocating its own path array.
    private let parent: _CBORDecoder?
    private let key: (any CodingKey)?
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    var codingPath: [any CodingKey] {
        guard let key else { return [] }
        var path = parent?.codingPath ?? []
        path.append(key)
        return path
    }

    init(document: CBORDocument, index: Int, parent: _CBORDecoder? = nil, key: (any CodingKey)? = nil) {
        self.document = document
        self.index = index
        self.parent = parent
        self.key = key
    }

    var node: CBORDocument.Node { document.nodes[index] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let mapIndex = try document.skippingTags(index)
        guard document.nodes[mapIndex].kind == .map else {
            throw mismatch("a map", at: mapIndex)
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, mapIndex: mapIndex, index: KeyIndex(document: document, mapIndex: mapIndex)))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let arrayIndex = try document.skippingTags(index)
        guard document.nodes[arrayIndex].kind == .array else {
            throw mismatch("an array", at: arrayIndex)
        }
        return UnkeyedContainer(decoder: self, arrayIndex: arrayIndex)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValueContainer(decoder: self) }

    func mismatch(_ expected: String, at index: Int) -> CBORError {
        CBORError(code: .typeMismatch, message: "expected \(expected) at \(pathDescription(codingPath)), found \(document.nodes[index].kind)")
    }

    // MARK: Value decoding

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == CBORValue.self { return document.value(at: index) as! T }
        if T.self == Date.self { return try decodeDate() as! T }
        if T.self == Data.self { return Data(try decodeBytes()) as! T }
        // Text-to-text maps (call metadata, on every request) read straight off the tape; any
        // other shape takes the generic path, which also reports the error.
        if T.self == [String: String].self, let map = textMap() { return map as! T }
        return try T(from: self)
    }

    /// The node as a map of text strings to text strings, or nil if it is anything else.
    func textMap() -> [String: String]? {
        guard let i = try? document.skippingTags(index), document.nodes[i].kind == .map else { return nil }
        var map: [String: String] = [:]
        map.reserveCapacity(Int(document.nodes[i].length))
        var child = i + 1
        let end = Int(document.nodes[i].end)
        while child < end {
            let value = Int(document.nodes[child].end)
            guard document.nodes[child].kind == .text, document.nodes[value].kind == .text else { return nil }
            map[document.string(at: child)] = document.string(at: value)
            child = Int(document.nodes[value].end)
        }
        return map
    }

    func decodeDate() throws -> Date {
        let n = node
        guard n.kind == .tag, n.value == 1 else { throw mismatch("a date (tag 1)", at: index) }
        let inner = document.nodes[index + 1]
        switch inner.kind {
        case .unsigned, .negative:
            return Date(timeIntervalSince1970: Double(try integer(Int64.self, at: index + 1)))
        case .float:
            let seconds = Double(bitPattern: inner.value)
            guard seconds.isFinite else {
                throw CBORError(code: .valueOutOfRange, message: "non-finite date at \(pathDescription(codingPath))")
            }
            return Date(timeIntervalSince1970: seconds)
        default:
            throw mismatch("epoch seconds inside tag 1", at: index + 1)
        }
    }

    func decodeBytes() throws -> [UInt8] {
        let i = try document.skippingTags(index)
        guard document.nodes[i].kind == .bytes else { throw mismatch("a byte string", at: i) }
        return document.byteArray(at: i)
    }

    func decodeString(at node: Int? = nil) throws -> String {
        let i = try document.skippingTags(node ?? index)
        guard document.nodes[i].kind == .text else { throw mismatch("a text string", at: i) }
        return document.string(at: i)
    }

    func decodeBool(at node: Int? = nil) throws -> Bool {
        let i = try document.skippingTags(node ?? index)
        guard document.nodes[i].kind == .bool else { throw mismatch("a boolean", at: i) }
        return document.nodes[i].value != 0
    }

    func decodeDouble(at node: Int? = nil) throws -> Double {
        let i = try document.skippingTags(node ?? index)
        let n = document.nodes[i]
        switch n.kind {
        case .float: return Double(bitPattern: n.value)
        case .unsigned: return Double(n.value)
        case .negative: return -1 - Double(n.value)
        default: throw mismatch("a number", at: i)
        }
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, at index: Int) throws -> T {
        let i = try document.skippingTags(index)
        let n = document.nodes[i]
        switch n.kind {
        case .unsigned:
            if let v = T(exactly: n.value) { return v }
        case .negative:
            // -1 - n, computed without overflow.
            if T.isSigned, let m = T(exactly: n.value) { return -1 - m }
        default:
            throw mismatch("an integer", at: i)
        }
        throw CBORError(code: .valueOutOfRange, message: "integer at \(pathDescription(codingPath)) does not fit \(T.self)")
    }

    func isNil() -> Bool {
        let kind = node.kind
        return kind == .null || kind == .undefined
    }

    // MARK: Containers

    /// For maps of more than 16 entries, a dictionary from text key to value index, so that
    /// looking up every key (as `Dictionary` decoding does) stays linear instead of quadratic.
    /// Smaller maps (every message of the API) are scanned: cheaper than building the index.
    final class KeyIndex {
        let positions: [String: Int]

        init?(document: CBORDocument, mapIndex: Int) {
            guard document.nodes[mapIndex].length > 16 else { return nil }
            var positions: [String: Int] = [:]
            var child = mapIndex + 1
            let end = Int(document.nodes[mapIndex].end)
            while child < end {
                let value = Int(document.nodes[child].end)
                if document.nodes[child].kind == .text { positions[document.string(at: child)] = value }
                child = Int(document.nodes[value].end)
            }
            self.positions = positions
        }
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: _CBORDecoder
        let mapIndex: Int
        let index: KeyIndex?
        var codingPath: [any CodingKey] { decoder.codingPath }
        var document: CBORDocument { decoder.document }

        var allKeys: [Key] {
            var keys: [Key] = []
            var child = mapIndex + 1
            let end = Int(document.nodes[mapIndex].end)
            while child < end {
                if document.nodes[child].kind == .text, let key = Key(stringValue: document.string(at: child)) {
                    keys.append(key)
                }
                child = Int(document.nodes[Int(document.nodes[child].end)].end)
            }
            return keys
        }

        /// The index of the value stored under `key`, scanning the map's text keys.
        func valueIndex(_ key: Key) -> Int? {
            if let index { return index.positions[key.stringValue] }
            var name = key.stringValue
            return name.withUTF8 { wanted -> Int? in
                var child = mapIndex + 1
                let end = Int(document.nodes[mapIndex].end)
                while child < end {
                    let keyNode = document.nodes[child]
                    let value = Int(keyNode.end)
                    if keyNode.kind == .text, Int(keyNode.length) == wanted.count,
                       document.withContent(of: child, { $0.elementsEqual(wanted) }) {
                        return value
                    }
                    child = Int(document.nodes[value].end)
                }
                return nil
            }
        }

        func contains(_ key: Key) -> Bool { valueIndex(key) != nil }

        func childDecoder(_ key: Key) throws -> _CBORDecoder {
            guard let i = valueIndex(key) else {
                throw CBORError(code: .missingKey, message: "missing key \"\(key.stringValue)\" at \(pathDescription(codingPath))")
            }
            return _CBORDecoder(document: document, index: i, parent: decoder, key: key)
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard let i = valueIndex(key) else { return true }
            let kind = document.nodes[i].kind
            return kind == .null || kind == .undefined
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try childDecoder(key).decodeValue(type)
        }

        // Optional fields: one lookup of the key instead of the three (`contains`, `decodeNil`,
        // `decode`) of the protocol's default implementations. Absent, null and undefined are nil.
        private func presentIndex(_ key: Key) -> Int? {
            guard let i = valueIndex(key) else { return nil }
            let kind = document.nodes[i].kind
            return kind == .null || kind == .undefined ? nil : i
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let i = presentIndex(key) else { return nil }
            return try _CBORDecoder(document: document, index: i, parent: decoder, key: key).decodeValue(type)
        }

        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            guard let i = presentIndex(key) else { return nil }
            if let value = try? decoder.decodeString(at: i) { return value }
            return try childDecoder(key).decodeString()
        }

        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            guard let i = presentIndex(key) else { return nil }
            if let value = try? decoder.decodeBool(at: i) { return value }
            return try childDecoder(key).decodeBool()
        }

        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
            guard let i = presentIndex(key) else { return nil }
            if let value = try? decoder.integer(Int.self, at: i) { return value }
            let d = try childDecoder(key)
            return try d.integer(Int.self, at: d.index)
        }

        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
            guard let i = presentIndex(key) else { return nil }
            if let value = try? decoder.integer(UInt64.self, at: i) { return value }
            let d = try childDecoder(key)
            return try d.integer(UInt64.self, at: d.index)
        }

        // Scalars are read straight from the value's node: no child decoder, no coding path. Only
        // a failure builds the child decoder, whose coding path names the field in the error.
        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            guard let i = valueIndex(key) else { return try childDecoder(key).decodeString() }
            do { return try decoder.decodeString(at: i) } catch { return try childDecoder(key).decodeString() }
        }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            guard let i = valueIndex(key) else { return try childDecoder(key).decodeBool() }
            do { return try decoder.decodeBool(at: i) } catch { return try childDecoder(key).decodeBool() }
        }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            if let i = valueIndex(key), let value = try? decoder.integer(Int.self, at: i) { return value }
            let d = try childDecoder(key)
            return try d.integer(Int.self, at: d.index)
        }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
            if let i = valueIndex(key), let value = try? decoder.integer(UInt64.self, at: i) { return value }
            let d = try childDecoder(key)
            return try d.integer(UInt64.self, at: d.index)
        }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            guard let i = valueIndex(key) else { return try childDecoder(key).decodeDouble() }
            do { return try decoder.decodeDouble(at: i) } catch { return try childDecoder(key).decodeDouble() }
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try childDecoder(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try childDecoder(key).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            try childDecoder(Key(stringValue: "super")!)
        }

        func superDecoder(forKey key: Key) throws -> any Decoder { try childDecoder(key) }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let decoder: _CBORDecoder
        let arrayIndex: Int
        var position: Int
        var currentIndex = 0
        var codingPath: [any CodingKey] { decoder.codingPath }
        var count: Int? { Int(decoder.document.nodes[arrayIndex].length) }
        var isAtEnd: Bool { currentIndex >= count! }

        init(decoder: _CBORDecoder, arrayIndex: Int) {
            self.decoder = decoder
            self.arrayIndex = arrayIndex
            self.position = arrayIndex + 1
        }

        mutating func next() throws -> _CBORDecoder {
            guard !isAtEnd else {
                throw CBORError(code: .typeMismatch, message: "array at \(pathDescription(codingPath)) has only \(count!) items")
            }
            let child = _CBORDecoder(document: decoder.document, index: position, parent: decoder, key: IndexKey(intValue: currentIndex))
            position = Int(decoder.document.nodes[position].end)
            currentIndex += 1
            return child
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else { return false }
            let kind = decoder.document.nodes[position].kind
            if kind == .null || kind == .undefined {
                _ = try next()
                return true
            }
            return false
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }

        // Scalar items are read straight from their node, like keyed scalars; only a failure
        // builds the child decoder whose coding path names the item in the error.
        mutating func decode(_ type: String.Type) throws -> String {
            if !isAtEnd, let value = try? decoder.decodeString(at: position) {
                position = Int(decoder.document.nodes[position].end)
                currentIndex += 1
                return value
            }
            return try next().decodeString()
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

        mutating func superDecoder() throws -> any Decoder { try next() }
    }

    struct SingleValueContainer: SingleValueDecodingContainer {
        let decoder: _CBORDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool { decoder.isNil() }
        func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
        func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
        func decode(_ type: Double.Type) throws -> Double { try decoder.decodeDouble() }
        func decode(_ type: Float.Type) throws -> Float { Float(try decoder.decodeDouble()) }
        func decode(_ type: Int.Type) throws -> Int { try decoder.integer(Int.self, at: decoder.index) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(Int8.self, at: decoder.index) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(Int16.self, at: decoder.index) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(Int32.self, at: decoder.index) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(Int64.self, at: decoder.index) }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(UInt.self, at: decoder.index) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(UInt8.self, at: decoder.index) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(UInt16.self, at: decoder.index) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(UInt32.self, at: decoder.index) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(UInt64.self, at: decoder.index) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
    }
}

extension CBORDocument {
    /// Steps over tags (other than their content) to the data item they wrap.
    func skippingTags(_ index: Int) throws -> Int {
        var i = index
        while nodes[i].kind == .tag { i += 1 }
        return i
    }
}

/// A coding key for any text key.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A coding key for array positions.
struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "[\(intValue ?? 0)]" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

func pathDescription(_ path: [any CodingKey]) -> String {
    if path.isEmpty { return "the top level" }
    return path.map { $0.intValue != nil ? $0.stringValue : $0.stringValue }.joined(separator: ".")
}
