/// Which of the daemon's two sockets a connection arrived on.
public enum ListenerKind: String, Sendable, Hashable, CustomStringConvertible {
    /// The public API socket, for local services and users.
    case api
    /// The operator socket (customer service), restricted by peer uid.
    case `operator`

    public var description: String { rawValue }
}
