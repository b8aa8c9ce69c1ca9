import CBOR
import Logging
import NIOCore
import WebProfilesWire

/// A REQUEST that passed framing and envelope checks, handed to the ``CallDispatcher``.
package struct IncomingCall: Sendable {
    package var streamID: UInt32
    package var method: String
    package var metadata: [String: String]
    /// When the call's `timeoutMillis` runs out, if it gave one.
    package var deadline: NIODeadline?
    /// The whole REQUEST payload; the message is under its `message` key.
    package var payload: CBORDocument
    package var peer: PeerCredentials
    package var listener: ListenerKind
    /// The connection's logger (listener, peer, client). The call's own metadata (stream,
    /// method) is added only when something is logged: see the server's `CallContext`.
    package var logger: Logger
}

/// The outcome of a call, ready to be framed.
package struct OutgoingResponse: Sendable {
    package var status: StatusCode
    /// A `ResponseEnvelope` or `ErrorEnvelope` payload.
    package var payload: ByteBuffer

    package init(status: StatusCode, payload: ByteBuffer) {
        self.status = status
        self.payload = payload
    }

    /// An error response carrying only the code and message (causes stay local).
    package static func error(_ error: RPCError) -> OutgoingResponse {
        let payload = (try? Payload.encode(ErrorEnvelope(message: error.message, details: error.details))) ?? ByteBuffer()
        return OutgoingResponse(status: error.code, payload: payload)
    }
}

/// Runs calls: the server's router implements it.
package protocol CallDispatcher: Sendable {
    /// Starts a call, on the connection's event loop: answers it at once when it can without
    /// waiting (an unknown method, an invalid message, an answer from memory such as
    /// `Session/Authorize` from the session cache), or returns the work to run as a task.
    ///
    /// The call's payload is decoded here, so the parsed document is gone before anything
    /// awaits. It must never block, and never throws: every failure is an error response.
    func start(_ call: IncomingCall) -> CallStart

    /// Answers a REQUEST from its payload's bytes alone, before anything is parsed, when it can:
    /// the hot path (a cached `Session/Authorize`), which then costs no document, no decoding
    /// and no task. Returns the whole RESPONSE frame for stream `streamID`, or nil to let
    /// ``start(_:)`` take the call as usual, so it must only answer what ``start(_:)`` would
    /// answer the same way. Runs on the connection's event loop; never blocks.
    ///
    /// - Parameter debugLogging: whether the connection logs at debug level (every call's
    ///   duration is then logged by ``start(_:)``, so the hot path steps aside).
    func answerInPlace(_ payload: ByteBuffer, streamID: UInt32, listener: ListenerKind, debugLogging: Bool, allocator: ByteBufferAllocator) -> ByteBuffer?
}

extension CallDispatcher {
    /// No hot path: every call goes through ``start(_:)``.
    package func answerInPlace(_ payload: ByteBuffer, streamID: UInt32, listener: ListenerKind, debugLogging: Bool,
                               allocator: ByteBufferAllocator) -> ByteBuffer? {
        nil
    }
}

/// How a call goes on after ``CallDispatcher/start(_:)``.
package enum CallStart: Sendable {
    /// Answered already.
    case answered(OutgoingResponse)
    /// To be run as a task, which answers the call when it ends.
    case pending(@Sendable () async -> OutgoingResponse)
}
