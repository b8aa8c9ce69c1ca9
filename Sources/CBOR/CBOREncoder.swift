#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encodes `Encodable` values as CBOR (RFC 8949), writing bytes directly.
///
/// Output is deterministic preferred serialization: definite lengths, shortest-form integers,
/// shortest exact floats, map keys as text strings equal to the Swift property names, in the
/// order the type encodes them. `nil` optionals are omitted (`encodeIfPresent`), enums with raw
/// values encode as their raw value, `Date` as tag 1 with epoch seconds (an integer when whole),
/// `Data` as a byte string, ``CBORValue`` as itself and ``CBOREncodedValue`` verbatim.
///
/// The encoder streams: containers must be filled in the order they were opened (which is what
/// synthesized `Codable` conformances do). Writing to a container after a sibling opened later
/// has received values throws ``CBORError/Code/unsupported``.
public struct CBOREncoder: Sendable {
    public init() {}

    /// Encodes `value` into a new byte array.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var writer = CBORWriter()
        try encode(value, into: &writer)
        return writer.bytes
    }

    /// Appends the encoding of `value` to `writer`.
    func encode<T: Encodable>(_ value: T, into writer: inout CBORWriter) throws {
        let state = EncodingState(writer: writer)
        writer = CBORWriter(capacity: 0)
        defer { writer = state.writer }
        try state.encodeValue(value, codingPath: [])
        try state.closeAll()
    }
}

/// Mutable state shared by all containers of one `encode` call.
final class EncodingState {
    struct OpenContainer {
        let id: Int
        let headerOffset: Int
        let major: CBORWriter.MajorType
        var count: UInt64
    }

    var writer: CBORWriter
    private var stack: [OpenContainer] = []
    private var nextID = 0

    init(writer: CBORWriter) { self.writer = writer }

    /// Opens a map or array whose head is patched when it closes.
    func open(_ major: CBORWriter.MajorType) -> Int {
        nextID += 1
        stack.append(OpenContainer(id: nextID, headerOffset: writer.bytes.count, major: major, count: 0))
        writer.bytes.append(major.rawValue << 5)
        return nextID
    }

    /// Closes every container opened after `id` and counts one more item in `id`.
    func prepareItem(in id: Int, codingPath: [any CodingKey]) throws {
        while let top = stack.last, top.id != id { close(stack.removeLast()) }
        guard !stack.isEmpty else {
            throw CBORError(code: .unsupported, message: "write to a closed container at \(pathDescription(codingPath))")
        }
        stack[stack.count - 1].count += 1
    }

    private func close(_ container: OpenContainer) {
        if container.count < 24 {
            writer.bytes[container.headerOffset] = container.major.rawValue << 5 | UInt8(container.count)
        } else {
            let head = CBORWriter.head(container.major, container.count)
            writer.bytes.replaceSubrange(container.headerOffset..<container.headerOffset + 1, with: head)
        }
    }

    func closeAll() throws {
        while let top = stack.popLast() { close(top) }
    }

    /// Writes one value. `codingPath` is only evaluated when a nested encoder needs it, so a
    /// scalar costs no path array.
    ///
    /// The common leaf types are recognised by comparing metatypes (a pointer comparison)
    /// rather than by a chain of dynamic casts: most values are strings, integers and booleans,
    /// and every struct used to fail all the casts before being encoded.
    func encodeValue<T: Encodable>(_ value: T, codingPath: @autoclosure () -> [any CodingKey]) throws {
        let type = T.self
        if type == String.self {
            writer.write(text: Self.reinterpret(value, as: String.self))
        } else if type == Bool.self {
            writer.write(bool: Self.reinterpret(value, as: Bool.self))
        } else if type == Int.self {
            writer.write(signed: Int64(Self.reinterpret(value, as: Int.self)))
        } else if type == Double.self {
            writer.write(double: Self.reinterpret(value, as: Double.self))
        } else if type == UInt64.self {
            writer.write(unsigned: Self.reinterpret(value, as: UInt64.self))
        } else if type == Date.self {
            encodeDate(Self.reinterpret(value, as: Date.self))
        } else if type == Data.self {
            writer.write(bytes: Self.reinterpret(value, as: Data.self))
        } else if type == CBORValue.self {
            writer.write(Self.reinterpret(value, as: CBORValue.self))
        } else if type == [String: String].self {
            // Text-to-text maps (call metadata, on every request), in the dictionary's order as
            // the generic path would write them.
            let map = Self.reinterpret(value, as: [String: String].self)
            writer.writeHead(.map, UInt64(map.count))
            for (key, text) in map {
                writer.write(text: key)
                writer.write(text: text)
            }
        } else if type == CBOREncodedValue.self {
            writer.bytes.append(contentsOf: Self.reinterpret(value, as: CBOREncodedValue.self).bytes)
        } else {
            let before = writer.bytes.count
            let encoder = _CBOREncoder(state: self, codingPath: codingPath())
            try value.encode(to: encoder)
            if writer.bytes.count == before && !encoder.hasContainer {
                // A type that encoded nothing at all still needs a data item: an empty map.
                writer.writeHead(.map, 0)
            }
        }
    }

    /// `value` as `U`; only called once `T.self == U.self` was checked.
    @inline(__always)
    private static func reinterpret<T, U>(_ value: T, as type: U.Type) -> U {
        withUnsafePointer(to: value) { UnsafeRawPointer($0).load(as: U.self) }
    }

    func encodeDate(_ date: Date) {
        writer.writeHead(.tag, 1)
        let seconds = date.timeIntervalSince1970
        if seconds == seconds.rounded(), let whole = Int64(exactly: seconds) {
            writer.write(signed: whole)
        } else {
            writer.write(double: seconds)
        }
    }
}

/// The `Encoder` handed to `encode(to:)`.
final class _CBOREncoder: Encoder {
    let state: EncodingState
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    private var containerID: Int?
    private var containerMajor: CBORWriter.MajorType?
    var hasContainer: Bool { containerID != nil }

    init(state: EncodingState, codingPath: [any CodingKey]) {
        self.state = state
        self.codingPath = codingPath
    }

    private func openOnce(_ major: CBORWriter.MajorType) -> Int {
        if let containerID, containerMajor == major { return containerID }
        let id = state.open(major)
        containerID = id
        containerMajor = major
        return id
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedContainer<Key>(state: state, id: openOnce(.map), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedContainer(state: state, id: openOnce(.array), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(state: state, codingPath: codingPath)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let state: EncodingState
        let id: Int
        let codingPath: [any CodingKey]

        private func writeKey(_ key: Key) throws {
            try state.prepareItem(in: id, codingPath: codingPath)
            state.writer.write(text: key.stringValue)
        }

        mutating func encodeNil(forKey key: Key) throws {
            try writeKey(key)
            state.writer.writeNull()
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try writeKey(key)
            try state.encodeValue(value, codingPath: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            // Opening a container cannot throw in Codable's API; an out-of-order use is caught
            // on the next write to the parent.
            try? writeKey(key)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(state: state, id: state.open(.map), codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            try? writeKey(key)
            return UnkeyedContainer(state: state, id: state.open(.array), codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> any Encoder {
            try? state.prepareItem(in: id, codingPath: codingPath)
            state.writer.write(text: "super")
            return _CBOREncoder(state: state, codingPath: codingPath)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            try? writeKey(key)
            return _CBOREncoder(state: state, codingPath: codingPath + [key])
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let state: EncodingState
        let id: Int
        let codingPath: [any CodingKey]
        var count = 0

        init(state: EncodingState, id: Int, codingPath: [any CodingKey]) {
            self.state = state
            self.id = id
            self.codingPath = codingPath
        }

        mutating func encodeNil() throws {
            try state.prepareItem(in: id, codingPath: codingPath)
            count += 1
            state.writer.writeNull()
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try state.prepareItem(in: id, codingPath: codingPath)
            count += 1
            try state.encodeValue(value, codingPath: codingPath + [IndexKey(intValue: count - 1)])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            try? state.prepareItem(in: id, codingPath: codingPath)
            count += 1
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(state: state, id: state.open(.map), codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            try? state.prepareItem(in: id, codingPath: codingPath)
            count += 1
            return UnkeyedContainer(state: state, id: state.open(.array), codingPath: codingPath)
        }

        mutating func superEncoder() -> any Encoder {
            try? state.prepareItem(in: id, codingPath: codingPath)
            count += 1
            return _CBOREncoder(state: state, codingPath: codingPath)
        }
    }

    struct SingleValueContainer: SingleValueEncodingContainer {
        let state: EncodingState
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { state.writer.writeNull() }
        mutating func encode(_ value: Bool) throws { state.writer.write(bool: value) }
        mutating func encode(_ value: String) throws { state.writer.write(text: value) }
        mutating func encode(_ value: Double) throws { state.writer.write(double: value) }
        mutating func encode(_ value: Float) throws { state.writer.write(double: Double(value)) }
        mutating func encode(_ value: Int) throws { state.writer.write(signed: Int64(value)) }
        mutating func encode(_ value: Int8) throws { state.writer.write(signed: Int64(value)) }
        mutating func encode(_ value: Int16) throws { state.writer.write(signed: Int64(value)) }
        mutating func encode(_ value: Int32) throws { state.writer.write(signed: Int64(value)) }
        mutating func encode(_ value: Int64) throws { state.writer.write(signed: value) }
        mutating func encode(_ value: UInt) throws { state.writer.write(unsigned: UInt64(value)) }
        mutating func encode(_ value: UInt8) throws { state.writer.write(unsigned: UInt64(value)) }
        mutating func encode(_ value: UInt16) throws { state.writer.write(unsigned: UInt64(value)) }
        mutating func encode(_ value: UInt32) throws { state.writer.write(unsigned: UInt64(value)) }
        mutating func encode(_ value: UInt64) throws { state.writer.write(unsigned: value) }
        mutating func encode<T: Encodable>(_ value: T) throws { try state.encodeValue(value, codingPath: codingPath) }
    }
}
