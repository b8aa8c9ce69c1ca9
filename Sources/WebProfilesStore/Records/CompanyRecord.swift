import Foundation

/// A row of `company`: a customer and its legal representative's data.
package struct CompanyRecord: StoredRecord, Hashable {
    package static let table = "company"
    package static let columns = ["id", "name", "vatNumber", "legalRepFullName", "legalRepFiscalCode", "legalRepEmail",
                                  "legalRepRegistrationId", "referentTypes", "searchText", "createdAt", "updatedAt"]

    package var id: String
    package var name: String
    package var vatNumber: String
    package var legalRepFullName: String
    package var legalRepFiscalCode: String
    package var legalRepEmail: String
    /// The live legal representative's registration (membership).
    package var legalRepRegistrationId: String
    /// The referent types the contract names (JSON array of text), nil when it names none.
    package var referentTypes: String?
    /// The name folded (``SearchText``), for the desk's searches.
    package var searchText: String
    package var createdAt: Date
    package var updatedAt: Date

    package init(id: String, name: String, vatNumber: String, legalRepFullName: String, legalRepFiscalCode: String, legalRepEmail: String,
                 legalRepRegistrationId: String, referentTypes: String? = nil, searchText: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.vatNumber = vatNumber
        self.legalRepFullName = legalRepFullName
        self.legalRepFiscalCode = legalRepFiscalCode
        self.legalRepEmail = legalRepEmail
        self.legalRepRegistrationId = legalRepRegistrationId
        self.referentTypes = referentTypes
        self.searchText = searchText
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    package init(row: SQLRow) throws {
        id = try row["id"]
        name = try row["name"]
        vatNumber = try row["vatNumber"]
        legalRepFullName = try row["legalRepFullName"]
        legalRepFiscalCode = try row["legalRepFiscalCode"]
        legalRepEmail = try row["legalRepEmail"]
        legalRepRegistrationId = try row["legalRepRegistrationId"]
        referentTypes = try row["referentTypes"]
        searchText = try row["searchText"]
        createdAt = try row["createdAt"]
        updatedAt = try row["updatedAt"]
    }

    /// ``referentTypes`` decoded.
    package var referentTypeList: [String]? {
        get { referentTypes.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } }
        set { referentTypes = newValue.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data("[]".utf8), as: UTF8.self) } }
    }

    package var values: [SQLValue] {
        [id.sqlValue, name.sqlValue, vatNumber.sqlValue, legalRepFullName.sqlValue, legalRepFiscalCode.sqlValue, legalRepEmail.sqlValue,
         legalRepRegistrationId.sqlValue, referentTypes.sqlValue, searchText.sqlValue, createdAt.sqlValue, updatedAt.sqlValue]
    }
}
