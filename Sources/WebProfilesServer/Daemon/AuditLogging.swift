import Foundation
import Logging
import WebProfilesStore

/// Logs committed audit events as structured entries. In the journal the metadata keys become
/// WEBPROFILES_ACTION, WEBPROFILES_ACTOR, WEBPROFILES_AGENT, WEBPROFILES_TICKET,
/// WEBPROFILES_TARGET, WEBPROFILES_ACCOUNT, WEBPROFILES_COMPANY,
/// WEBPROFILES_PROFILE_BEFORE/AFTER, WEBPROFILES_BEFORE/AFTER, and MESSAGE_ID identifies the kind.
enum AuditLogging {
    static func log(_ events: [AuditEventRecord], to logger: Logger) {
        for event in events {
            var metadata: Logger.Metadata = [
                "MESSAGE_ID": "\(JournalMessageID.audit(event.action))",
                "action": "\(event.action.rawValue)",
                "actor": "\(event.actor)",
            ]
            if let id = event.id { metadata["event"] = "\(id)" }
            if let agent = event.agent { metadata["agent"] = "\(agent)" }
            if let ticket = event.ticket { metadata["ticket"] = "\(ticket)" }
            if let account = event.targetAccountId { metadata["account"] = "\(account)" }
            if let company = event.companyId { metadata["company"] = "\(company)" }
            if let target = event.targetRegistrationId { metadata["target"] = "\(target)" }
            if let before = event.before {
                metadata["before"] = "\(before)"
                if let profile = field("profile", in: before) { metadata["profile_before"] = "\(profile)" }
            }
            if let after = event.after {
                metadata["after"] = "\(after)"
                if let profile = field("profile", in: after) { metadata["profile_after"] = "\(profile)" }
            }
            logger.notice("audit: \(event.action.rawValue) \(event.targetRegistrationId ?? event.companyId ?? "") by \(event.actor)", metadata: metadata)
        }
    }

    private static func field(_ name: String, in json: String) -> String? {
        (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)))?[name]
    }
}
