import Foundation
import WebProfilesDomain
import WebProfilesWire

/// The end user's browser a portal passes along with a login (`user-agent` metadata): printable
/// text of at most 256 bytes, stored on the session and shown by `ListSessions`.
enum UserAgent {
    static let metadataKey = "user-agent"
    static let maxBytes = 256

    /// The user agent in `metadata`, nil when there is none; INVALID_ARGUMENT naming the key when
    /// it is too long or holds control, invisible or text-direction characters.
    static func from(_ metadata: [String: String]) throws(RPCError) -> String? {
        guard let text = metadata[metadataKey] else { return nil }
        guard text.utf8.count <= maxBytes else {
            throw RPCError.invalidArgument(field: metadataKey, "must be at most \(maxBytes) bytes")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || UnicodeRules.isHiddenOrControl($0, allowJoiners: false) }) else {
            throw RPCError.invalidArgument(field: metadataKey, "must not contain control, invisible or text-direction characters")
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }
}
