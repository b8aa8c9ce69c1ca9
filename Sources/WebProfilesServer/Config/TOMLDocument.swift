import Foundation

/// The subset of TOML the configuration file uses: `[table]` headers, `key = value` lines,
/// `#` comments, basic strings with escapes, integers, floats, booleans and one-line arrays of
/// those. Anything else is an error naming the line.
public struct TOMLDocument: Sendable {
    public enum Value: Sendable, Hashable, CustomStringConvertible {
        case string(String)
        case integer(Int64)
        case float(Double)
        case bool(Bool)
        case array([Value])

        public var description: String {
            switch self {
            case .string(let s): "\"\(s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
            case .integer(let i): String(i)
            case .float(let d): String(d)
            case .bool(let b): String(b)
            case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
            }
        }
    }

    /// A syntax error with its line number.
    public struct SyntaxError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// `table.key` → (value, line).
    public private(set) var entries: [String: (value: Value, line: Int)] = [:]

    public init(parsing text: String) throws(SyntaxError) {
        var table = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = Self.stripComment(rawLine).trimmingSpaces
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else { throw SyntaxError(line: lineNumber, message: "malformed table header") }
                table = String(line.dropFirst().dropLast()).trimmingSpaces
                guard !table.isEmpty, table.allSatisfy(Self.isKeyCharacter) else { throw SyntaxError(line: lineNumber, message: "malformed table name") }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw SyntaxError(line: lineNumber, message: "expected key = value") }
            let key = String(line[..<equals]).trimmingSpaces
            guard !key.isEmpty, key.allSatisfy(Self.isKeyCharacter) else { throw SyntaxError(line: lineNumber, message: "malformed key \"\(key)\"") }
            var rest = Substring(String(line[line.index(after: equals)...]).trimmingSpaces)
            let value = try Self.parseValue(&rest, line: lineNumber)
            guard rest.trimmingSpaces.isEmpty else { throw SyntaxError(line: lineNumber, message: "unexpected text after the value") }
            let fullKey = table.isEmpty ? key : "\(table).\(key)"
            guard entries[fullKey] == nil else { throw SyntaxError(line: lineNumber, message: "\(fullKey) is set twice") }
            entries[fullKey] = (value, lineNumber)
        }
    }

    private static func isKeyCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == ".")
    }

    /// Drops a `#` comment that is not inside a string.
    private static func stripComment(_ line: Substring) -> Substring {
        var inString = false
        var escaped = false
        for index in line.indices {
            let c = line[index]
            if escaped { escaped = false; continue }
            if c == "\\" && inString { escaped = true; continue }
            if c == "\"" { inString.toggle() }
            if c == "#" && !inString { return line[..<index] }
        }
        return line
    }

    private static func parseValue(_ text: inout Substring, line: Int) throws(SyntaxError) -> Value {
        text = Substring(text.trimmingSpaces)
        guard let first = text.first else { throw SyntaxError(line: line, message: "missing value") }
        if first == "\"" {
            text.removeFirst()
            var result = ""
            while let c = text.first {
                text.removeFirst()
                if c == "\"" { return .string(result) }
                if c == "\\" {
                    guard let e = text.first else { break }
                    text.removeFirst()
                    switch e {
                    case "\"": result.append("\"")
                    case "\\": result.append("\\")
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    default: throw SyntaxError(line: line, message: "unknown escape \\\(e)")
                    }
                } else {
                    result.append(c)
                }
            }
            throw SyntaxError(line: line, message: "unterminated string")
        }
        if first == "[" {
            text.removeFirst()
            var items: [Value] = []
            while true {
                text = Substring(text.trimmingSpaces)
                if text.first == "]" { text.removeFirst(); return .array(items) }
                items.append(try parseValue(&text, line: line))
                text = Substring(text.trimmingSpaces)
                if text.first == "," { text.removeFirst(); continue }
                if text.first == "]" { text.removeFirst(); return .array(items) }
                throw SyntaxError(line: line, message: "expected , or ] in array")
            }
        }
        let end = text.firstIndex { $0 == "," || $0 == "]" || $0 == " " } ?? text.endIndex
        let token = String(text[..<end]).replacingOccurrences(of: "_", with: "")
        text = text[end...]
        if token == "true" { return .bool(true) }
        if token == "false" { return .bool(false) }
        if let i = Int64(token) { return .integer(i) }
        if let d = Double(token), d.isFinite { return .float(d) }
        throw SyntaxError(line: line, message: "cannot read value \"\(token)\"")
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
