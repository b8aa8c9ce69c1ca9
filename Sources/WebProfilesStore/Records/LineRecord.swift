import WebProfilesDomain

/// A row of `line`: one MSISDN of a company.
package struct LineRecord: StoredRecord, Hashable {
    package static let table = "line"
    package static let columns = ["msisdn", "companyId", "kind"]

    package var msisdn: String
    package var companyId: String
    package var kind: LineKind

    package init(msisdn: String, companyId: String, kind: LineKind) {
        self.msisdn = msisdn
        self.companyId = companyId
        self.kind = kind
    }

    package init(row: SQLRow) throws {
        msisdn = try row["msisdn"]
        companyId = try row["companyId"]
        kind = try row["kind"]
    }

    package var values: [SQLValue] { [msisdn.sqlValue, companyId.sqlValue, kind.sqlValue] }
}
