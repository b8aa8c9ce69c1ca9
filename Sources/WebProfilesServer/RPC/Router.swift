import CBOR
import Logging
import NIOCore
import WebProfilesAPI
import WebProfilesTransport
import WebProfilesWire

/// Maps method names to typed handlers and runs calls: decode, intercept, handle, encode.
///
/// A handler error never escapes: ``RPCError``s go to the caller as they are, decoding failures
/// as INVALID_ARGUMENT, cancellation as CANCELLED, anything else as INTERNAL with a generic
/// message while the cause is logged.
public struct Router: CallDispatcher {
    typealias Erased = @Sendable (CBORDocument, CallContext) async throws -> ByteBuffer
    /// A handler's fast path: the encoded response, or `nil` if it needs the asynchronous one.
    typealias ImmediateErased = @Sendable (CBORDocument, CallContext) throws -> ByteBuffer?

    private struct Route: Sendable {
        var info: MethodInfo
        var listeners: Set<ListenerKind>
        var handler: Erased
        var immediate: ImmediateErased?
    }

    private var routes: [String: Route] = [:]
    private var interceptors: [any ServerInterceptor] = []

    public init() {}

    /// Adds an interceptor; they run in the order added.
    public mutating func add(interceptor: any ServerInterceptor) {
        interceptors.append(interceptor)
    }

    /// Registers `handler` for `method` on the given listeners.
    public mutating func register<Request, Response>(
        _ method: MethodDescriptor<Request, Response>,
        on listeners: Set<ListenerKind> = [.api, .operator],
        _ handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        add(method, on: listeners, immediate: nil, handler)
    }

    /// Registers `handler` for `method`, with a fast path.
    ///
    /// - Parameter immediate: answers on the connection's event loop, without a task, when it can
    ///   do so without waiting (from memory), and returns `nil` when it cannot: `handler` then
    ///   runs. It must give the answer `handler` would, and never block. Its result must encode
    ///   exactly as `Response` (it is `Response` itself, or the same message with parts
    ///   pre-encoded, see ``CBOREncodedValue``).
    public mutating func register<Request, Response, ImmediateResponse: Encodable & Sendable>(
        _ method: MethodDescriptor<Request, Response>,
        on listeners: Set<ListenerKind> = [.api, .operator],
        immediate: @escaping @Sendable (Request, CallContext) throws -> ImmediateResponse?,
        _ handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        add(method, on: listeners, immediate: { document, context in
            guard let response = try immediate(try Self.decode(Request.self, from: document), context) else { return nil }
            return try Payload.encode(ResponseEnvelope(message: response))
        }, handler)
    }

    private mutating func add<Request, Response>(
        _ method: MethodDescriptor<Request, Response>, on listeners: Set<ListenerKind>, immediate: ImmediateErased?,
        _ handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        precondition(routes[method.name] == nil, "method \(method.name) registered twice")
        routes[method.name] = Route(
            info: MethodInfo(name: method.name, requiresSession: method.requiresSession),
            listeners: listeners,
            handler: { document, context in
                let response = try await handler(try Self.decode(Request.self, from: document), context)
                return try Payload.encode(ResponseEnvelope(message: response))
            },
            immediate: immediate
        )
    }

    private static func decode<Request: Decodable>(_ type: Request.Type, from document: CBORDocument) throws -> Request {
        do {
            return try CBORDecoder().decode(Request.self, from: document, key: messageKey)
        } catch let error as CBORError {
            throw RPCError(code: .invalidArgument, message: "invalid request message: \(error.message)", cause: error)
        } catch let error as DecodingError {
            throw RPCError(code: .invalidArgument, message: "invalid request message: \(Self.describe(error))", cause: error)
        }
    }

    /// The names of all registered methods.
    public var methodNames: [String] { routes.keys.sorted() }

    public func dispatch(_ call: IncomingCall) async -> OutgoingResponse {
        // Timed only when the debug entry that reports it will be written.
        let started = call.logger.logLevel <= .debug ? ContinuousClock.now : nil
        var context = Self.context(of: call)
        let response: OutgoingResponse
        do {
            let route = try self.route(for: call)
            for interceptor in interceptors {
                try await interceptor.intercept(&context, method: route.info)
            }
            let payload = try await route.handler(call.payload, context)
            response = OutgoingResponse(status: .ok, payload: payload)
        } catch {
            response = .error(Self.rpcError(for: error, logger: context.logger))
        }
        Self.logFinished(response, context: context, started: started)
        return response
    }

    public func dispatchImmediately(_ call: IncomingCall) -> OutgoingResponse? {
        guard let route = routes[call.method], let immediate = route.immediate, route.listeners.contains(call.listener) else {
            // Unknown methods and refused listeners are answered by `dispatch`, like every
            // method without a fast path.
            return nil
        }
        // Timed only when the debug entry that reports it will be written.
        let started = call.logger.logLevel <= .debug ? ContinuousClock.now : nil
        var context = Self.context(of: call)
        let response: OutgoingResponse
        do {
            for interceptor in interceptors {
                guard try interceptor.interceptImmediately(&context, method: route.info) else { return nil }
            }
            guard let payload = try immediate(call.payload, context) else { return nil }
            response = OutgoingResponse(status: .ok, payload: payload)
        } catch {
            response = .error(Self.rpcError(for: error, logger: context.logger))
        }
        Self.logFinished(response, context: context, started: started)
        return response
    }

    private func route(for call: IncomingCall) throws -> Route {
        guard let route = routes[call.method] else {
            throw RPCError(code: .unimplemented, message: "unknown method \"\(call.method.prefix(128))\"")
        }
        guard route.listeners.contains(call.listener) else {
            throw RPCError(code: .permissionDenied, message: "\(call.method) is not available on the \(call.listener) socket")
        }
        return route
    }

    private static func context(of call: IncomingCall) -> CallContext {
        CallContext(streamID: call.streamID, method: call.method, metadata: call.metadata, peer: call.peer,
                    listener: call.listener, deadline: call.deadline, logger: call.logger)
    }

    private static func logFinished(_ response: OutgoingResponse, context: CallContext, started: ContinuousClock.Instant?) {
        if let started {
            context.logger.debug("call finished", metadata: [
                "status": "\(response.status.name)",
                "duration_us": "\((ContinuousClock.now - started).microseconds)",
            ])
        }
    }

    /// A one-line description of a `DecodingError` naming the field (e.g. an unknown enum value).
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).filter { $0 != messageKey }
            return keys.isEmpty ? "message" : keys.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue): missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func rpcError(for error: any Error, logger: Logger) -> RPCError {
        switch error {
        case let error as RPCError:
            if let cause = error.cause { logger.debug("call failed", metadata: ["status": "\(error.code.name)", "cause": "\(cause)"]) }
            return error
        case let error as any RPCErrorConvertible:
            return error.rpcError
        case is CancellationError:
            return RPCError(code: .cancelled, message: "call cancelled")
        default:
            logger.error("call failed with an unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return RPCError(code: .internal, message: "internal error")
        }
    }
}

extension Duration {
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
