/// The statements of one transaction, on whichever backend runs it.
///
/// Statements are written once, in the SQL both SQLite and PostgreSQL read the same way, with `?`
/// placeholders (the PostgreSQL backend numbers them). What differs (types, case folding,
/// generated keys) is kept out of them: dates and flags are bound values, search keys are folded
/// in Swift, ids are made in Swift.
package protocol StoreTransaction {
    /// Runs a query and returns its rows.
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
    /// Runs a statement and returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int
}

extension StoreTransaction {
    package func row(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLRow? {
        try rows(sql, arguments).first
    }

    package func rows(_ sql: String) throws -> [SQLRow] { try rows(sql, []) }

    /// The first column of the first row.
    package func scalar<T: SQLValueConvertible>(_ sql: String, _ arguments: [SQLValue] = [], as type: T.Type = T.self) throws -> T? {
        guard let row = try rows(sql, arguments).first, let value = row.values.values.first else { return nil }
        return T(sqlValue: value)
    }

    package func count(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int {
        try scalar(sql, arguments, as: Int.self) ?? 0
    }

    /// Whether any row matches.
    package func exists(_ sql: String, _ arguments: [SQLValue] = []) throws -> Bool {
        try row("SELECT EXISTS (\(sql)) AS found", arguments).map { try $0.get("found", as: Bool.self) } ?? false
    }
}
