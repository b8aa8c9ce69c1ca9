import Foundation

/// Prints results as aligned tables for people or as JSON for scripts.
enum Output {
    /// Prints `value` as pretty JSON with sorted keys.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Prints the values at dot `paths` of `value`'s JSON form, one per line (strings unquoted).
    static func fields<T: Encodable>(of value: T, paths: [String]) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(value), options: [.fragmentsAllowed])
        for path in paths {
            var current: Any? = object
            for key in path.split(separator: ".") {
                if let index = Int(key), let array = current as? [Any] {
                    current = index < array.count ? array[index] : nil
                } else {
                    current = (current as? [String: Any])?[String(key)]
                }
            }
            guard let found = current else { throw CLIError("the answer has no field \(path)") }
            if let text = found as? String {
                print(text)
            } else if JSONSerialization.isValidJSONObject(found) {
                print(String(decoding: try JSONSerialization.data(withJSONObject: found, options: [.sortedKeys]), as: UTF8.self))
            } else {
                print(found)
            }
        }
    }

    /// Prints rows under headers with columns padded to their widest cell.
    static func table(_ headers: [String], _ rows: [[String]]) {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(line(headers))
        for row in rows { print(line(row)) }
    }

    /// Prints `key: value` pairs aligned on the colon.
    static func fields(_ pairs: [(String, String)]) {
        let width = pairs.map(\.0.count).max() ?? 0
        for (key, value) in pairs {
            print((key + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + " " + value)
        }
    }
}
