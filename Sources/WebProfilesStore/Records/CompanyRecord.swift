import Foundation
import GRDB

/// A row of `company`: a customer and its legal representative's data.
public struct CompanyRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "company"

    public var id: String
    public var name: String
    public var vatNumber: String
    public var legalRepFullName: String
    public var legalRepFiscalCode: String
    public var legalRepEmail: String
    /// The live legal representative's registration.
    public var legalRepRegistrationId: String
    public var createdAt: Date
    public var updatedAt: Date

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let vatNumber = Column(CodingKeys.vatNumber)
        public static let name = Column(CodingKeys.name)
    }
}
