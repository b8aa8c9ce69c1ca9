import Foundation
import WebProfilesDomain

/// What the desk looks a person up by (exactly one).
package enum RegistrationLookup: Sendable, Hashable {
    case username(Username)
    /// Normalised (``TextRules/email(_:field:)``); matched as given and in lower case.
    case email(String)
    case fiscalCode(FiscalCode)
}

extension ProfileStore {
    /// The desk's company search: by VAT number (exact) or by a substring of the name (case and
    /// accents folded), ordered by VAT number, after the one given.
    package func findCompanies(vatNumber: VATNumber?, name: String?, pageSize: Int, after: String?) async throws -> Page<CompanyWithLines> {
        try await read { tx in
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            if let vatNumber {
                conditions.append("vatNumber = ?")
                arguments.append(.text(vatNumber.value))
            }
            if let name = name.map(SearchText.fold), !name.isEmpty {
                conditions.append("searchText LIKE ? ESCAPE '\\'")
                arguments.append(.text("%" + Self.escapeLike(name) + "%"))
            }
            if let after {
                conditions.append("vatNumber > ?")
                arguments.append(.text(after))
            }
            let rows = try CompanyRecord.fetchAll(tx, where: conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND "), arguments,
                                                  orderBy: "vatNumber", limit: pageSize + 1)
            let items = try rows.prefix(pageSize).map { CompanyWithLines(company: $0, lines: try Self.lines(tx, $0.id)) }
            return Page(items: items, nextAfter: rows.count > pageSize ? items.last?.company.vatNumber : nil)
        }
    }

    /// The desk's person search across companies: every registration of the accounts found (by
    /// username, by the account's or a registration's email, by a legal representative's fiscal
    /// code), at most `limit`, by company then username.
    package func findRegistrations(_ lookup: RegistrationLookup, limit: Int) async throws -> [RegistrationRecord] {
        try await read { tx in
            let condition: String
            let arguments: [SQLValue]
            switch lookup {
            case .username(let username):
                condition = "a.username = ?"
                arguments = [.text(username.value)]
            case .email(let email):
                condition = "(a.email IN (?, ?) OR m.email IN (?, ?))"
                arguments = [.text(email), .text(email.lowercased()), .text(email), .text(email.lowercased())]
            case .fiscalCode(let code):
                condition = "(a.fiscalCode = ? OR m.id IN (SELECT legalRepRegistrationId FROM company WHERE legalRepFiscalCode = ?))"
                arguments = [.text(code.value), .text(code.value)]
            }
            return try RegistrationRecord.fetchAll(tx, where: condition, arguments, orderBy: "m.companyId, a.username, m.id", limit: limit)
        }
    }
}
