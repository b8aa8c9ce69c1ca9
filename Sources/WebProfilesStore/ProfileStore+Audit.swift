import Foundation
import GRDB

extension ProfileStore {
    /// Audit events in order, after the event id given.
    package func listAuditEvents(companyID: String?, registrationID: String?, since: Date?, pageSize: Int, afterID: Int64?) async throws -> Page<AuditEventRecord> {
        try await read { db in
            let columns = AuditEventRecord.Columns.self
            var request = AuditEventRecord.all()
            if let companyID { request = request.filter(columns.companyId == companyID) }
            if let registrationID { request = request.filter(columns.targetRegistrationId == registrationID) }
            if let since { request = request.filter(columns.at >= since) }
            if let afterID { request = request.filter(columns.id > afterID) }
            let rows = try request.order(columns.id).limit(pageSize + 1).fetchAll(db)
            let items = Array(rows.prefix(pageSize))
            return Page(items: items, nextAfter: rows.count > pageSize ? items.last?.id.map(String.init) : nil)
        }
    }
}
