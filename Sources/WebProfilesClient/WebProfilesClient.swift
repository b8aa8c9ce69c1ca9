import CBOR
import NIOCore
import NIOPosix
import Synchronization
import WebProfilesAPI
import WebProfilesWire

/// A client of webprofiled over its Unix socket.
///
/// One connection carries many concurrent calls from many tasks. The connection is opened on
/// the first call and, if it is lost (or the server sends GOAWAY), opened again on the next.
/// Errors are ``RPCError``s carrying the status code and message the server sent; a daemon
/// that cannot be reached gives UNAVAILABLE.
///
/// ```swift
/// let client = WebProfilesClient(socketPath: "/run/webprofiled/webprofiled.sock")
/// let health = try await client.call(HealthAPI.check, Empty())
/// ```
///
/// For the lowest latency, run the calling task on the connection's event loop: make the client
/// with `group: loop` and start the task with an ``EventLoopTaskExecutor`` of that loop as its
/// executor preference. A call then costs no thread hop on the client side:
///
/// ```swift
/// let loop = MultiThreadedEventLoopGroup.singleton.next()
/// let client = WebProfilesClient(socketPath: path, group: loop)
/// let answer = await Task(executorPreference: EventLoopTaskExecutor(loop)) {
///     try await client.call(SessionAPI.authorize, request)
/// }.result
/// ```
public final class WebProfilesClient: Sendable {
    /// The socket the client connects to.
    public let socketPath: String
    private let group: any EventLoopGroup
    private let peerName: String
    private let maxFrameBytes: Int
    /// The connection: being opened (a task) or open. Calls on an open connection take it
    /// without awaiting anything.
    private enum ConnectionState {
        case none
        case connecting(Task<ClientConnection, any Error>)
        case connected(ClientConnection)
    }

    private let connection = Mutex<ConnectionState>(.none)
    /// Session token sent as `authorization: Bearer …` when a call gives none, with that
    /// metadata value made once rather than on every call.
    private let defaultToken = Mutex<(token: String, authorization: String)?>(nil)
    /// Metadata every call carries unless it gives its own value (``setMetadata(_:for:)``).
    private let defaultMetadata = Mutex<[String: String]>([:])
    /// `Session/Authorize` answers, read in place.
    let authorizeAnswers = AuthorizeAnswerReader()

    public init(socketPath: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                peerName: String = "webprofiles-swift/\(webProfilesVersion)", maxFrameBytes: Int = 16 << 20) {
        self.socketPath = socketPath
        self.group = group
        self.peerName = peerName
        self.maxFrameBytes = maxFrameBytes
    }

    /// Sets the session token used by calls that need one.
    public func setSessionToken(_ token: String?) {
        defaultToken.withLock { $0 = token.map { ($0, "Bearer \($0)") } }
    }

    /// Sets (or, with nil, removes) metadata every call carries unless it gives its own value:
    /// the end user's `client-ip` and `user-agent` a portal passes along, or the desk's
    /// `operator-agent` and `operator-ticket`.
    public func setMetadata(_ value: String?, for key: String) {
        defaultMetadata.withLock { $0[key] = value }
    }

    /// The session token calls use by default.
    public var sessionToken: String? { defaultToken.withLock { $0?.token } }

    /// Calls `method` with `request`.
    ///
    /// - Parameters:
    ///   - token: the session token to send (`authorization: Bearer …`); without one, the
    ///     metadata's own `authorization`, else the client's (``setSessionToken(_:)``).
    ///   - metadata: extra call metadata (lowercase keys).
    ///   - timeout: deadline for the call; sent to the server and enforced locally.
    /// - Throws: ``RPCError`` with the server's status, or UNAVAILABLE / DEADLINE_EXCEEDED /
    ///   CANCELLED from the client side.
    public func call<Request, Response>(
        _ method: MethodDescriptor<Request, Response>, _ request: Request, token: String? = nil,
        metadata: [String: String] = [:], timeout: Duration? = nil
    ) async throws -> Response {
        let frame = try await send(method, request, token: token, metadata: metadata, timeout: timeout)
        return try Self.decode(frame, of: method)
    }

    /// Sends a call and waits for its RESPONSE frame (the first half of ``call(_:_:token:metadata:timeout:)``).
    func send<Request, Response>(
        _ method: MethodDescriptor<Request, Response>, _ request: Request, token: String?, metadata: [String: String], timeout: Duration?
    ) async throws -> Frame {
        let metadata = callMetadata(metadata, token: token)
        let envelope = RequestEnvelope(method: method.name, message: request, timeoutMillis: timeout?.wholeMilliseconds, metadata: metadata)
        let payload = try Payload.encode(envelope)
        let connection = try await currentConnection()
        return try await connection.call(payload: consume payload, timeout: timeout)
    }

    /// A call's metadata: its own, the token's `authorization`, then the client's defaults.
    func callMetadata(_ given: [String: String], token: String?) -> [String: String] {
        var metadata = given
        if let token { metadata[Metadata.authorization] = "Bearer \(token)" }
        let defaults = defaultMetadata.withLock { $0 }
        if !defaults.isEmpty { metadata.merge(defaults) { given, _ in given } }
        if metadata[Metadata.authorization] == nil, let authorization = defaultToken.withLock({ $0?.authorization }) {
            metadata[Metadata.authorization] = authorization
        }
        return metadata
    }

    /// Sends a payload already written (framed in place when it has room for the header).
    func send(payload: consuming ByteBuffer, timeout: Duration?) async throws -> Frame {
        let connection = try await currentConnection()
        // Handed over: framed in place, the buffer must have no other owner.
        return try await connection.call(payload: consume payload, timeout: timeout)
    }

    /// A RESPONSE frame's answer, or the error it carries (the second half of
    /// ``call(_:_:token:metadata:timeout:)``).
    static func decode<Request, Response>(_ frame: Frame, of method: MethodDescriptor<Request, Response>) throws -> Response {
        if frame.status == .ok {
            do {
                let document = try Payload.document(frame.payload, limits: Payload.responseLimits)
                return try CBORDecoder().decode(Response.self, from: document, key: messageKey)
            } catch {
                throw RPCError(code: .internal, message: "undecodable response to \(method.name): \(error)", cause: error)
            }
        }
        let envelopeError = try? Payload.decode(ErrorEnvelope.self, from: frame.payload, limits: Payload.responseLimits)
        throw RPCError(code: frame.status, message: envelopeError?.error.message ?? frame.status.name, details: envelopeError?.error.details)
    }

    /// The live connection, opening a new one if there is none or the last one is gone.
    private func currentConnection() async throws -> ClientConnection {
        enum Next {
            case ready(ClientConnection)
            case wait(Task<ClientConnection, any Error>)
        }
        let next: Next = connection.withLock { state in
            switch state {
            case .connected(let live) where live.acceptsCalls:
                // The hot path: no await, no allocation.
                return .ready(live)
            case .connecting(let task):
                return .wait(task)
            default:
                let path = socketPath, group = self.group, peerName = self.peerName, maxFrameBytes = self.maxFrameBytes
                let task = Task { try await ClientConnection.connect(path: path, group: group, peerName: peerName, maxFrameBytes: maxFrameBytes) }
                state = .connecting(task)
                return .wait(task)
            }
        }
        let task: Task<ClientConnection, any Error>
        switch next {
        case .ready(let live): return live
        case .wait(let pending): task = pending
        }
        do {
            let live = try await task.value
            connection.withLock { state in
                if case .connecting(let current) = state, current == task { state = .connected(live) }
            }
            return live
        } catch {
            // Let the next call try again.
            connection.withLock { state in
                if case .connecting(let current) = state, current == task { state = .none }
            }
            throw error
        }
    }

    /// A client nobody holds any more closes its connection (calls in flight keep it alive, as
    /// they hold the client).
    deinit {
        switch connection.withLock({ $0 }) {
        case .connected(let live):
            live.channel.close(promise: nil)
        case .connecting(let task):
            Task { if let live = try? await task.value { live.channel.close(promise: nil) } }
        case .none:
            break
        }
    }

    /// Closes the connection; a later call opens a new one.
    public func close() async {
        let previous = connection.withLock { state -> ConnectionState in
            defer { state = .none }
            return state
        }
        switch previous {
        case .connected(let live): await live.close()
        case .connecting(let task): if let live = try? await task.value { await live.close() }
        case .none: break
        }
    }
}
