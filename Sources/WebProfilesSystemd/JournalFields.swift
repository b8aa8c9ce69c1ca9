/// Turns log metadata keys into valid journal field names.
package enum JournalFields {
    /// The prefix of every field this daemon adds.
    package static let prefix = "WEBPROFILES_"

    /// `audit.profile_before` → `WEBPROFILES_AUDIT_PROFILE_BEFORE`: uppercase, `[A-Z0-9_]`, at
    /// most 64 characters. Keys already in journal form that journald defines
    /// (`MESSAGE_ID`) pass unchanged.
    package static func name(for key: String) -> String {
        if key == "MESSAGE_ID" { return key }
        var name = prefix
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(scalar)
            default: name.append("_")
            }
        }
        return String(name.prefix(64))
    }

    /// syslog priority of a swift-log level.
    package static func priority(_ level: String) -> Int {
        switch level {
        case "trace", "debug": 7
        case "info": 6
        case "notice": 5
        case "warning": 4
        case "error": 3
        default: 2
        }
    }
}
