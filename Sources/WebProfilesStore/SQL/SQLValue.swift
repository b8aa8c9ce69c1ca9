import Foundation

/// A value bound into a statement or read from a row, the same for every backend: each backend
/// maps it onto its own types (SQLite: integers, reals, text; PostgreSQL: bigint, double
/// precision, text, boolean, timestamptz, bytea).
package enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)
    case date(Date)
    case bytes([UInt8])
}

/// A Swift value that is stored as an ``SQLValue``.
package protocol SQLValueConvertible: Sendable {
    var sqlValue: SQLValue { get }
    /// The value read from a column, nil when the column holds something else.
    init?(sqlValue: SQLValue)
}

extension String: SQLValueConvertible {
    package var sqlValue: SQLValue { .text(self) }
    package init?(sqlValue: SQLValue) {
        guard case .text(let text) = sqlValue else { return nil }
        self = text
    }
}

extension Int64: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(self) }
    package init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let value): self = value
        case .bool(let value): self = value ? 1 : 0
        default: return nil
        }
    }
}

extension Int: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(Int64(self)) }
    package init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(value)
    }
}

extension Double: SQLValueConvertible {
    package var sqlValue: SQLValue { .real(self) }
    package init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension Bool: SQLValueConvertible {
    package var sqlValue: SQLValue { .bool(self) }
    package init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .bool(let value): self = value
        case .integer(let value): self = value != 0
        default: return nil
        }
    }
}

extension Date: SQLValueConvertible {
    package var sqlValue: SQLValue { .date(self) }
    package init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .date(let date): self = date
        // SQLite has no date type: its backend stores dates as text.
        case .text(let text): guard let date = Date(sqliteText: text) else { return nil }; self = date
        default: return nil
        }
    }
}

extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    package var sqlValue: SQLValue { self?.sqlValue ?? .null }
    package init?(sqlValue: SQLValue) {
        if case .null = sqlValue {
            self = .none
        } else if let value = Wrapped(sqlValue: sqlValue) {
            self = .some(value)
        } else {
            return nil
        }
    }
}

extension SQLValueConvertible where Self: RawRepresentable, RawValue == String {
    package var sqlValue: SQLValue { .text(rawValue) }
    package init?(sqlValue: SQLValue) {
        guard case .text(let text) = sqlValue, let value = Self(rawValue: text) else { return nil }
        self = value
    }
}
