import Logging
import WebProfilesStore

/// Logs committed audit events as structured entries (metadata keys map to journal fields).
enum AuditLogging {
    static func log(_ events: [AuditEventRecord], to logger: Logger) {
        for event in events {
            var metadata: Logger.Metadata = [
                "audit.action": "\(event.action.rawValue)",
                "audit.actor": "\(event.actor)",
            ]
            if let id = event.id { metadata["audit.event"] = "\(id)" }
            if let company = event.companyId { metadata["audit.company"] = "\(company)" }
            if let target = event.targetRegistrationId { metadata["audit.target"] = "\(target)" }
            if let before = event.before { metadata["audit.before"] = "\(before)" }
            if let after = event.after { metadata["audit.after"] = "\(after)" }
            logger.notice("audit: \(event.action.rawValue)", metadata: metadata)
        }
    }
}
