/// A row type of one table, read and written through ``StoreTransaction`` on any backend.
///
/// `columns` names the table's columns in the order of `values`; the first is the primary key.
package protocol StoredRecord: Sendable {
    static var table: String { get }
    static var columns: [String] { get }
    var values: [SQLValue] { get }
    init(row: SQLRow) throws
}

extension StoredRecord {
    /// The columns, for a SELECT list (qualified by `alias` when given).
    package static func selectList(_ alias: String? = nil) -> String {
        columns.map { column in alias.map { "\($0).\(column)" } ?? column }.joined(separator: ", ")
    }

    package static var primaryKey: String { columns[0] }

    package static func fetchOne(_ tx: some StoreTransaction, key: some SQLValueConvertible) throws -> Self? {
        try tx.row("SELECT \(selectList()) FROM \(table) WHERE \(primaryKey) = ?", [key.sqlValue]).map(Self.init(row:))
    }

    /// The rows matching `condition` (SQL after WHERE), in `order`.
    package static func fetchAll(_ tx: some StoreTransaction, where condition: String = "1 = 1", _ arguments: [SQLValue] = [],
                                 orderBy order: String? = nil, limit: Int? = nil) throws -> [Self] {
        var sql = "SELECT \(selectList()) FROM \(table) WHERE \(condition)"
        if let order { sql += " ORDER BY \(order)" }
        if let limit { sql += " LIMIT \(limit)" }
        return try tx.rows(sql, arguments).map(Self.init(row:))
    }

    package static func fetchOne(_ tx: some StoreTransaction, where condition: String, _ arguments: [SQLValue] = []) throws -> Self? {
        try fetchAll(tx, where: condition, arguments, limit: 1).first
    }

    package func insert(_ tx: some StoreTransaction) throws {
        let placeholders = Array(repeating: "?", count: Self.columns.count).joined(separator: ", ")
        try tx.execute("INSERT INTO \(Self.table) (\(Self.selectList())) VALUES (\(placeholders))", values)
    }

    package func update(_ tx: some StoreTransaction) throws {
        let assignments = Self.columns.dropFirst().map { "\($0) = ?" }.joined(separator: ", ")
        try tx.execute("UPDATE \(Self.table) SET \(assignments) WHERE \(Self.primaryKey) = ?", Array(values.dropFirst()) + [values[0]])
    }

    package func delete(_ tx: some StoreTransaction) throws {
        try tx.execute("DELETE FROM \(Self.table) WHERE \(Self.primaryKey) = ?", [values[0]])
    }
}
