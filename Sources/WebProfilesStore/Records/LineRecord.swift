import GRDB
import WebProfilesDomain

/// A row of `line`: one MSISDN of a company.
public struct LineRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "line"

    public var msisdn: String
    public var companyId: String
    public var kind: LineKind

    public enum Columns {
        public static let msisdn = Column(CodingKeys.msisdn)
        public static let companyId = Column(CodingKeys.companyId)
    }
}
