import GRDB
import WebProfilesDomain

/// A row of `line`: one MSISDN of a company.
package struct LineRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "line"

    package var msisdn: String
    package var companyId: String
    package var kind: LineKind

    package enum Columns {
        package static let msisdn = Column(CodingKeys.msisdn)
        package static let companyId = Column(CodingKeys.companyId)
    }
}
