import Foundation
import GRDB

/// A row of `company`: a customer and its legal representative's data.
package struct CompanyRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "company"

    package var id: String
    package var name: String
    package var vatNumber: String
    package var legalRepFullName: String
    package var legalRepFiscalCode: String
    package var legalRepEmail: String
    /// The live legal representative's registration.
    package var legalRepRegistrationId: String
    package var createdAt: Date
    package var updatedAt: Date

    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let vatNumber = Column(CodingKeys.vatNumber)
        package static let name = Column(CodingKeys.name)
    }
}
