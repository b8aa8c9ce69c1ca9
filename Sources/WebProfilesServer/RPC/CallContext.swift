import Logging
import NIOCore
import WebProfilesWire
import WebProfilesTransport

/// What a handler knows about the call it serves.
package struct CallContext: Sendable {
    package var streamID: UInt32
    /// The full method name.
    package var method: String
    /// Validated call metadata.
    package var metadata: [String: String]
    /// The caller's process, from SO_PEERCRED.
    package var peer: PeerCredentials
    /// The socket the call arrived on.
    package var listener: ListenerKind
    /// When the caller stops waiting, if it said.
    package var deadline: NIODeadline?
    /// The connection's logger, without the call's metadata.
    private var connectionLogger: Logger
    /// The session resolved from `authorization` by the session interceptor, for methods that
    /// require one.
    package var session: AuthenticatedSession?

    /// Whether the fast path already counted this call's cache hits (its session and account
    /// were found in memory, but something after them was not): the asynchronous path then
    /// counts only what it loads.
    package var cacheHitsCounted = false

    /// Extra metadata for the call's log entries (interceptors may add to it).
    package var logMetadata: Logger.Metadata = [:]

    /// A logger carrying the connection's and the call's metadata (stream, method, once
    /// authenticated the registration, and ``logMetadata``). Built when asked for: most calls
    /// log nothing, and the metadata would cost every call a few allocations.
    package var logger: Logger {
        var logger = connectionLogger
        logger[metadataKey: "stream"] = "\(streamID)"
        logger[metadataKey: "method"] = "\(LogSafe.text(method, maxLength: 128))"
        if let session { logger[metadataKey: "account"] = "\(session.accountID)" }
        for (key, value) in logMetadata { logger[metadataKey: key] = value }
        return logger
    }

    /// - Parameter logger: the connection's logger; the call's metadata is added to it.
    package init(streamID: UInt32, method: String, metadata: [String: String], peer: PeerCredentials,
                listener: ListenerKind, deadline: NIODeadline?, logger: Logger, session: AuthenticatedSession? = nil) {
        self.streamID = streamID
        self.method = method
        self.metadata = metadata
        self.peer = peer
        self.listener = listener
        self.deadline = deadline
        self.connectionLogger = logger
        self.session = session
    }
}
