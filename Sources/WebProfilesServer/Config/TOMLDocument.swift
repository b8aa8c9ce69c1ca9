import Foundation

/// The subset of TOML (v1.0) the configuration file uses, and nothing beyond it:
///
/// - `[table]` headers (one level; no `[[arrays of tables]]`, no dotted or quoted table names),
/// - `key = value` lines with bare keys (`A-Za-z0-9_-`),
/// - `#` comments, on their own line or after a value,
/// - basic strings `"…"` with the escapes `\"`, `\\`, `\n`, `\t`, and literal strings `'…'`
///   (no multi-line strings, no `\u` escapes),
/// - decimal integers and floats, with `_` only between digits (no hex, octal, binary, `inf`,
///   `nan`), booleans,
/// - arrays of those, on one line or spread over several (a trailing comma is allowed).
///
/// Inline tables, dates and times are not supported. Anything else is an error naming the line.
struct TOMLDocument: Sendable {
    enum Value: Sendable, Hashable, CustomStringConvertible {
        case string(String)
        case integer(Int64)
        case float(Double)
        case bool(Bool)
        case array([Value])

        var description: String {
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
    struct SyntaxError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    /// `table.key` → (value, line).
    private(set) var entries: [String: (value: Value, line: Int)] = [:]

    init(parsing text: String) throws(SyntaxError) {
        var table = ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        while index < lines.count {
            let lineNumber = index + 1
            var line = Self.stripComment(lines[index]).trimmingSpaces
            index += 1
            if line.isEmpty { continue }
            // An array spread over several lines: join them until its brackets balance.
            if let equals = line.firstIndex(of: "="), line[line.index(after: equals)...].trimmingSpaces.hasPrefix("[") {
                while Self.openBrackets(line) > 0 {
                    guard index < lines.count else { throw SyntaxError(line: lineNumber, message: "unterminated array") }
                    line += " " + Self.stripComment(lines[index]).trimmingSpaces
                    index += 1
                }
            }
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

    /// Calls `body` with each character outside strings (basic and literal); stops when it
    /// returns false.
    private static func forEachOutsideStrings(_ line: some StringProtocol, _ body: (String.Index, Character) -> Bool) {
        var quote: Character?
        var escaped = false
        for index in line.indices {
            let c = line[index]
            if let open = quote {
                if escaped { escaped = false } else if c == "\\" && open == "\"" { escaped = true } else if c == open { quote = nil }
                continue
            }
            if c == "\"" || c == "'" { quote = c; continue }
            if !body(index, c) { return }
        }
    }

    /// Drops a `#` comment that is not inside a string.
    private static func stripComment(_ line: Substring) -> Substring {
        var end = line.endIndex
        forEachOutsideStrings(line) { index, c in
            if c == "#" { end = index; return false }
            return true
        }
        return line[..<end]
    }

    /// `[` minus `]` outside strings.
    private static func openBrackets(_ line: String) -> Int {
        var depth = 0
        forEachOutsideStrings(line) { _, c in
            if c == "[" { depth += 1 } else if c == "]" { depth -= 1 }
            return true
        }
        return depth
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
        if first == "'" {
            text.removeFirst()
            guard let close = text.firstIndex(of: "'") else { throw SyntaxError(line: line, message: "unterminated string") }
            let result = String(text[..<close])
            text = text[text.index(after: close)...]
            return .string(result)
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
        let written = Array(text[..<end])
        text = text[end...]
        // TOML allows `_` only between two digits.
        for (i, c) in written.enumerated() where c == "_" {
            guard i > 0, i < written.count - 1, written[i - 1].isNumber, written[i + 1].isNumber else {
                throw SyntaxError(line: line, message: "cannot read value \"\(String(written))\": _ must sit between digits")
            }
        }
        let token = String(written.filter { $0 != "_" })
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
