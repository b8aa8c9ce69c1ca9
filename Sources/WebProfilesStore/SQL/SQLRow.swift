/// One row of a query's result, by column name, whatever its case (PostgreSQL folds unquoted
/// names to lower case; SQLite keeps them as written).
package struct SQLRow: Sendable {
    package var values: [String: SQLValue]

    package init(_ values: [String: SQLValue]) {
        self.values = Dictionary(values.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    package subscript(raw column: String) -> SQLValue? { values[column.lowercased()] }

    /// The column's value as `T`; a missing column or a value of another type is an error (a
    /// schema the code does not expect).
    package func get<T: SQLValueConvertible>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let raw = values[column.lowercased()] else {
            throw StoreError(.internal, "the query returned no column \(column)")
        }
        guard let value = T(sqlValue: raw) else {
            throw StoreError(.internal, "column \(column) holds \(raw), not a \(T.self)")
        }
        return value
    }

    package subscript<T: SQLValueConvertible>(_ column: String) -> T {
        get throws { try get(column) }
    }
}
