import WebProfilesDomain
import WebProfilesWire

/// Who at the desk made an operator call, and under which ticket: the `operator-agent` and
/// `operator-ticket` call metadata, written into the audit event of every operator write.
struct OperatorAccountability: Sendable, Hashable {
    static let agentKey = "operator-agent"
    static let ticketKey = "operator-ticket"
    static let maxLength = 64

    var agent: String
    var ticket: String?

    /// The agent (required) and the ticket (optional) of `metadata`.
    static func from(_ metadata: [String: String]) throws(RPCError) -> OperatorAccountability {
        guard let agent = metadata[agentKey] else {
            throw RPCError.invalidArgument(field: agentKey, "operator writes must name the desk agent making them (operator-agent metadata; webprofilectl --agent)")
        }
        return OperatorAccountability(agent: try validated(agent, key: agentKey), ticket: try metadata[ticketKey].map { v throws(RPCError) in try validated(v, key: ticketKey) })
    }

    private static func validated(_ value: String, key: String) throws(RPCError) -> String {
        do {
            return try TextRules.name(value, field: key, maxLength: maxLength)
        } catch {
            throw RPCError.invalidArgument(field: key, error.message)
        }
    }
}
