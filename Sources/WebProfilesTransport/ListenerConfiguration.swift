/// Where one listener listens.
package struct ListenerConfiguration: Sendable {
    /// How the listening socket is obtained.
    package enum Source: Sendable {
        /// Bind a new socket at `path` (parent directory created, a stale socket file replaced)
        /// and set its permissions to `mode`.
        case path(String, mode: UInt32)
        /// Use an already bound, listening descriptor (socket activation).
        case descriptor(Int32)
    }

    package var kind: ListenerKind
    package var source: Source
    /// Peer uids the listener accepts; `nil` accepts everyone the socket's permissions let in.
    package var allowedUIDs: Set<UInt32>?

    package init(kind: ListenerKind, source: Source, allowedUIDs: Set<UInt32>? = nil) {
        self.kind = kind
        self.source = source
        self.allowedUIDs = allowedUIDs
    }
}
