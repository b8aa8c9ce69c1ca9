/// A fully validated CBOR data item, parsed into a flat "tape" of nodes.
///
/// Parsing checks everything RFC 8949 requires of well-formed input plus this project's limits
/// (nesting depth, duplicate map keys, valid UTF-8) before any Swift value is built, so a decoder
/// working on the tape never sees malformed input. Nodes are stored in one array in document
/// order; a container's children follow it and `end` points past its subtree, which makes
/// skipping unknown keys free. No allocation is ever sized from a length read off the wire.
public struct CBORDocument: Sendable {
    /// One data item on the tape.
    struct Node: Sendable {
        enum Kind: UInt8, Sendable {
            case unsigned, negative, bytes, text, array, map, tag, bool, null, undefined, simple, float
        }
        // Laid out widest first: 24 bytes a node.
        /// Integer value, tag number, simple value, bool (0/1) or the bit pattern of a float.
        var value: UInt64
        /// Byte offset of string content.
        var start: Int32
        /// String byte length, array item count or map pair count.
        var length: Int32
        /// Index of the first node after this node's subtree.
        var end: Int32
        var kind: Kind
        /// Content lives in `side` (an indefinite-length string, concatenated) instead of `input`.
        var inSide: Bool

        init(kind: Kind, inSide: Bool, start: Int32, length: Int32, value: UInt64, end: Int32) {
            self.value = value
            self.start = start
            self.length = length
            self.end = end
            self.kind = kind
            self.inSide = inSide
        }
    }

    let input: [UInt8]
    private(set) var nodes: [Node] = []
    private(set) var side: [UInt8] = []

    /// What a document may contain, checked while it is parsed (so that the work and memory
    /// of parsing any input are bounded by these and by its size).
    public struct Limits: Sendable, Hashable {
        /// The deepest nesting of arrays, maps and tags.
        public var maxDepth: Int
        /// The most data items (every string, number, array, map and tag counts one; an array's
        /// or map's contents count separately). Exceeding it stops the parse at once.
        public var maxItems: Int
        /// Whether every map key must be a text string. Keys that are arrays, maps or tags are
        /// refused whatever this says: no document needs them, and comparing them for
        /// duplicates would cost more than the document's size.
        public var textKeysOnly: Bool

        public init(maxDepth: Int = CBORDocument.defaultMaxDepth, maxItems: Int = .max, textKeysOnly: Bool = false) {
            self.maxDepth = maxDepth
            self.maxItems = maxItems
            self.textKeysOnly = textKeysOnly
        }

        /// Depth 64, any number of items, any scalar keys.
        public static let `default` = Limits()
    }

    /// The deepest nesting of arrays, maps and tags accepted by default.
    public static let defaultMaxDepth = 64

    /// Parses exactly one data item spanning all of `bytes`.
    public init(bytes: [UInt8], limits: Limits = .default) throws(CBORError) {
        self.input = bytes
        let (nodes, side) = try bytes.withUnsafeBufferPointer { buffer throws(CBORError) in
            var parser = Parser(buf: buffer, limits: limits)
            return try parser.parseDocument()
        }
        self.nodes = nodes
        self.side = side
    }

    /// The number of data items in the document.
    public var itemCount: Int { nodes.count }

    /// Bytes this document holds in memory: its input, its tape of items and the contents of
    /// its indefinite-length strings.
    public var retainedBytes: Int {
        input.count + nodes.count * MemoryLayout<Node>.stride + side.count
    }

    /// Reads the string content of a bytes or text node.
    @inline(__always)
    func withContent<R>(of index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let node = nodes[index]
        let range = Int(node.start)..<Int(node.start) + Int(node.length)
        if node.inSide {
            return try side.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
        }
        return try input.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    func string(at index: Int) -> String {
        withContent(of: index) { String(decoding: $0, as: UTF8.self) }
    }

    func byteArray(at index: Int) -> [UInt8] {
        withContent(of: index) { Array($0) }
    }

    /// Builds the generic value of the subtree at `index`.
    func value(at index: Int) -> CBORValue {
        let node = nodes[index]
        switch node.kind {
        case .unsigned: return .unsigned(node.value)
        case .negative: return .negative(node.value)
        case .bytes: return .bytes(byteArray(at: index))
        case .text: return .text(string(at: index))
        case .array:
            var items: [CBORValue] = []
            var child = index + 1
            while child < Int(node.end) {
                items.append(value(at: child))
                child = Int(nodes[child].end)
            }
            return .array(items)
        case .map:
            var entries: [CBORValue.Entry] = []
            var child = index + 1
            while child < Int(node.end) {
                let valueIndex = Int(nodes[child].end)
                entries.append(.init(value(at: child), value(at: valueIndex)))
                child = Int(nodes[valueIndex].end)
            }
            return .map(entries)
        case .tag: return .tagged(node.value, value(at: index + 1))
        case .bool: return .bool(node.value != 0)
        case .null: return .null
        case .undefined: return .undefined
        case .simple: return .simple(UInt8(node.value))
        case .float: return .float(Double(bitPattern: node.value))
        }
    }

    /// For a document whose root is a map: the number of entries of the map stored under the
    /// text `key` (tags looked through). Nil when the key is absent or its value is not a map.
    /// Lets a caller bound a map before decoding it.
    public func mapCount(underKey key: String) -> Int? {
        guard let root = nodes.first, root.kind == .map else { return nil }
        var child = 1
        while child < Int(root.end) {
            let valueIndex = Int(nodes[child].end)
            if nodes[child].kind == .text, withContent(of: child, { $0.elementsEqual(key.utf8) }) {
                // Tags are looked through, as decoding does.
                var mapIndex = valueIndex
                while nodes[mapIndex].kind == .tag { mapIndex += 1 }
                let value = nodes[mapIndex]
                guard value.kind == .map else { return nil }
                return Int(value.length)
            }
            child = Int(nodes[valueIndex].end)
        }
        return nil
    }

    /// The generic value of the whole document.
    public var rootValue: CBORValue { value(at: 0) }

    // MARK: - Parser

    private struct Parser {
        /// Valid only during `parseDocument`, inside `withUnsafeBufferPointer`.
        let buf: UnsafeBufferPointer<UInt8>
        let count: Int
        let maxDepth: Int
        let maxItems: Int
        let textKeysOnly: Bool
        var offset = 0
        var nodes: [Node] = []
        var side: [UInt8] = []

        init(buf: UnsafeBufferPointer<UInt8>, limits: Limits) {
            self.buf = buf
            self.count = buf.count
            self.maxDepth = limits.maxDepth
            self.maxItems = limits.maxItems
            self.textKeysOnly = limits.textKeysOnly
            // Every node consumes at least one input byte; reserve modestly, never from a claim.
            nodes.reserveCapacity(Swift.min(count, 32))
        }

        mutating func parseDocument() throws(CBORError) -> ([Node], [UInt8]) {
            guard count <= Int(Int32.max) else {
                throw CBORError(code: .unsupported, message: "input of \(count) bytes is too large")
            }
            guard count > 0 else { throw CBORError(code: .truncated, message: "empty input") }
            try parseItem(depth: 0)
            guard offset == count else {
                throw CBORError(code: .trailingBytes, message: "\(count - offset) bytes after the data item at offset \(offset)")
            }
            return (nodes, side)
        }

        private mutating func byte() throws(CBORError) -> UInt8 {
            guard offset < count else {
                throw CBORError(code: .truncated, message: "input ends at offset \(offset) inside a data item")
            }
            defer { offset += 1 }
            return buf[offset]
        }

        private mutating func bigEndian(width: Int) throws(CBORError) -> UInt64 {
            guard count - offset >= width else {
                throw CBORError(code: .truncated, message: "input ends at offset \(count) inside a \(width)-byte argument")
            }
            var v: UInt64 = 0
            for i in 0..<width { v = v << 8 | UInt64(buf[offset + i]) }
            offset += width
            return v
        }

        /// Reads the argument for additional information `info` (0...27); nil means indefinite.
        private mutating func argument(info: UInt8, at position: Int) throws(CBORError) -> UInt64? {
            switch info {
            case 0..<24: return UInt64(info)
            case 24: return try bigEndian(width: 1)
            case 25: return try bigEndian(width: 2)
            case 26: return try bigEndian(width: 4)
            case 27: return try bigEndian(width: 8)
            case 31: return nil
            default:
                throw CBORError(code: .malformed, message: "reserved additional information \(info) at offset \(position)")
            }
        }

        private mutating func append(_ node: Node) throws(CBORError) -> Int {
            guard nodes.count < maxItems else {
                throw CBORError(code: .tooManyItems, message: "more than \(maxItems) data items (at offset \(offset))")
            }
            nodes.append(node)
            return nodes.count - 1
        }

        private func checkLength(_ length: UInt64, perItem: UInt64, at position: Int) throws(CBORError) -> Int32 {
            let remaining = UInt64(count - offset)
            guard length <= remaining / perItem else {
                throw CBORError(code: .lengthExceedsInput, message: "length \(length) at offset \(position) exceeds the \(remaining) bytes left")
            }
            return Int32(length)
        }

        private mutating func parseItem(depth: Int) throws(CBORError) {
            let position = offset
            let initial = try byte()
            let major = initial >> 5
            let info = initial & 0x1F
            if initial == 0xFF {
                throw CBORError(code: .malformed, message: "unexpected break at offset \(position)")
            }
            if major == 7 { return try parseSimple(info: info, at: position) }
            let arg = try argument(info: info, at: position)
            switch major {
            case 0, 1:
                guard let arg else {
                    throw CBORError(code: .malformed, message: "indefinite length on an integer at offset \(position)")
                }
                _ = try append(Node(kind: major == 0 ? .unsigned : .negative, inSide: false, start: 0, length: 0, value: arg, end: Int32(nodes.count + 1)))
            case 2, 3:
                let kind: Node.Kind = major == 2 ? .bytes : .text
                if let arg {
                    let length = try checkLength(arg, perItem: 1, at: position)
                    if kind == .text { try validateUTF8(from: offset, length: Int(length), at: position) }
                    _ = try append(Node(kind: kind, inSide: false, start: Int32(offset), length: length, value: 0, end: Int32(nodes.count + 1)))
                    offset += Int(length)
                } else {
                    try parseIndefiniteString(kind: kind, major: major, at: position)
                }
            case 4, 5:
                guard depth < maxDepth else {
                    throw CBORError(code: .nestingTooDeep, message: "nesting deeper than \(maxDepth) at offset \(position)")
                }
                let index = try append(Node(kind: major == 4 ? .array : .map, inSide: false, start: Int32(position), length: 0, value: 0, end: 0))
                var items = 0
                if let arg {
                    let length = try checkLength(arg, perItem: major == 4 ? 1 : 2, at: position)
                    let itemCount = major == 4 ? Int(length) : Int(length) * 2
                    for _ in 0..<itemCount { try parseItem(depth: depth + 1) }
                    items = itemCount
                } else {
                    while true {
                        guard offset < count else {
                            throw CBORError(code: .truncated, message: "indefinite-length container from offset \(position) has no break")
                        }
                        if buf[offset] == 0xFF { offset += 1; break }
                        try parseItem(depth: depth + 1)
                        items += 1
                    }
                    if major == 5 && items % 2 != 0 {
                        throw CBORError(code: .malformed, message: "map at offset \(position) has a key without a value")
                    }
                }
                nodes[index].length = Int32(major == 4 ? items : items / 2)
                nodes[index].end = Int32(nodes.count)
                if major == 5 { try checkKeys(mapIndex: index, at: position) }
            default: // 6: tag
                guard let arg else {
                    throw CBORError(code: .malformed, message: "indefinite length on a tag at offset \(position)")
                }
                guard depth < maxDepth else {
                    throw CBORError(code: .nestingTooDeep, message: "nesting deeper than \(maxDepth) at offset \(position)")
                }
                let index = try append(Node(kind: .tag, inSide: false, start: 0, length: 0, value: arg, end: 0))
                try parseItem(depth: depth + 1)
                nodes[index].end = Int32(nodes.count)
            }
        }

        private mutating func parseSimple(info: UInt8, at position: Int) throws(CBORError) {
            let end = Int32(nodes.count + 1)
            switch info {
            case 20, 21: _ = try append(Node(kind: .bool, inSide: false, start: 0, length: 0, value: UInt64(info - 20), end: end))
            case 22: _ = try append(Node(kind: .null, inSide: false, start: 0, length: 0, value: 0, end: end))
            case 23: _ = try append(Node(kind: .undefined, inSide: false, start: 0, length: 0, value: 0, end: end))
            case 0..<20: _ = try append(Node(kind: .simple, inSide: false, start: 0, length: 0, value: UInt64(info), end: end))
            case 24:
                let v = try byte()
                // 0xf8 0x00...0x17 would be simple values with a one-byte form: not well formed.
                // 24...31 are reserved but listed by RFC 8949 Appendix A (simple(24) = f818).
                guard v >= 24 else {
                    throw CBORError(code: .malformed, message: "two-byte simple value \(v) below 24 at offset \(position)")
                }
                _ = try append(Node(kind: .simple, inSide: false, start: 0, length: 0, value: UInt64(v), end: end))
            case 25:
                let bits = UInt16(try bigEndian(width: 2))
                _ = try append(Node(kind: .float, inSide: false, start: 0, length: 0, value: HalfFloat.toDouble(bits).bitPattern, end: end))
            case 26:
                let bits = UInt32(try bigEndian(width: 4))
                _ = try append(Node(kind: .float, inSide: false, start: 0, length: 0, value: Double(Float(bitPattern: bits)).bitPattern, end: end))
            case 27:
                let bits = try bigEndian(width: 8)
                _ = try append(Node(kind: .float, inSide: false, start: 0, length: 0, value: bits, end: end))
            default:
                throw CBORError(code: .malformed, message: "reserved simple encoding \(info) at offset \(position)")
            }
        }

        private mutating func parseIndefiniteString(kind: Node.Kind, major: UInt8, at position: Int) throws(CBORError) {
            let sideStart = side.count
            while true {
                let chunkPosition = offset
                let initial = try byte()
                if initial == 0xFF { break }
                guard initial >> 5 == major, let arg = try argument(info: initial & 0x1F, at: chunkPosition) else {
                    throw CBORError(code: .malformed, message: "chunk at offset \(chunkPosition) of the indefinite-length string at \(position) is not a definite string of the same type")
                }
                let length = try checkLength(arg, perItem: 1, at: chunkPosition)
                if kind == .text { try validateUTF8(from: offset, length: Int(length), at: chunkPosition) }
                side.append(contentsOf: UnsafeBufferPointer(rebasing: buf[offset..<offset + Int(length)]))
                offset += Int(length)
            }
            guard side.count - sideStart <= Int(Int32.max) else {
                throw CBORError(code: .unsupported, message: "string at offset \(position) is too long")
            }
            _ = try append(Node(kind: kind, inSide: true, start: Int32(sideStart), length: Int32(side.count - sideStart), value: 0, end: Int32(nodes.count + 1)))
        }

        private func validateUTF8(from start: Int, length: Int, at position: Int) throws(CBORError) {
            let slice = UnsafeBufferPointer(rebasing: buf[start..<start + length])
            // ASCII fast path, then the standard library's strict validator (never repairs).
            if slice.allSatisfy({ $0 < 0x80 }) { return }
            var iterator = slice.makeIterator()
            var decoder = UTF8()
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue: continue
                case .emptyInput: break loop
                case .error:
                    throw CBORError(code: .invalidUTF8, message: "text string at offset \(position) is not valid UTF-8")
                }
            }
        }

        // MARK: Map keys

        /// Checks a finished map's keys: scalar (text only when asked), no two equal. Keys are
        /// never containers, so comparing or hashing one costs its own bytes: the whole check
        /// is linear in the map's size, whatever the input.
        private func checkKeys(mapIndex: Int, at position: Int) throws(CBORError) {
            var keys: [Int] = []
            var child = mapIndex + 1
            let end = Int(nodes[mapIndex].end)
            keys.reserveCapacity(Int(nodes[mapIndex].length))
            while child < end {
                switch nodes[child].kind {
                case .array, .map, .tag:
                    throw CBORError(code: .unsupportedKey, message: "map at offset \(position) has a key that is an array, a map or a tag")
                case .text:
                    break
                default:
                    if textKeysOnly {
                        throw CBORError(code: .unsupportedKey, message: "map at offset \(position) has a key that is not a text string")
                    }
                }
                keys.append(child)
                child = Int(nodes[Int(nodes[child].end)].end)
            }
            if keys.count < 2 { return }
            if keys.count <= 8 {
                for i in 1..<keys.count {
                    for j in 0..<i where equal(keys[i], keys[j]) {
                        throw CBORError(code: .duplicateMapKey, message: "map at offset \(position) repeats a key")
                    }
                }
                return
            }
            // Keys by hash: a repeated hash is compared in full, so collisions cost no correctness.
            var seen: [Int: Int] = [:]
            seen.reserveCapacity(keys.count)
            for key in keys {
                let h = hash(key)
                if let other = seen[h] {
                    if equal(other, key) {
                        throw CBORError(code: .duplicateMapKey, message: "map at offset \(position) repeats a key")
                    }
                    // A true collision: fall back to comparing against every key seen so far.
                    for earlier in keys where earlier < key && equal(earlier, key) {
                        throw CBORError(code: .duplicateMapKey, message: "map at offset \(position) repeats a key")
                    }
                } else {
                    seen[h] = key
                }
            }
        }

        /// Whether two scalar key nodes are the same data item.
        private func equal(_ i: Int, _ j: Int) -> Bool {
            let a = nodes[i], b = nodes[j]
            guard a.kind == b.kind, a.value == b.value, a.length == b.length else { return false }
            if a.kind == .bytes || a.kind == .text { return withBytes(a) { x in withBytes(b) { y in x.elementsEqual(y) } } }
            return true
        }

        /// The content of a string node, from the input or (indefinite strings) the side buffer.
        private func withBytes<R>(_ n: Node, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            let range = Int(n.start)..<Int(n.start) + Int(n.length)
            if n.inSide {
                return side.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
            }
            return body(UnsafeBufferPointer(rebasing: buf[range]))
        }

        /// A hash of a scalar key node: its kind, value, length and string bytes.
        private func hash(_ index: Int) -> Int {
            var hasher = Hasher()
            let n = nodes[index]
            hasher.combine(n.kind)
            hasher.combine(n.value)
            hasher.combine(n.length)
            if n.kind == .bytes || n.kind == .text { withBytes(n) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) } }
            return hasher.finalize()
        }
    }
}
