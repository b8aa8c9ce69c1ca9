/// Which of the daemon's two sockets a connection arrived on.
package enum ListenerKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The package API socket, for local services and users.
    case api
    /// The operator socket (customer service), restricted by peer uid.
    case `operator`

    package var description: String { rawValue }
}
