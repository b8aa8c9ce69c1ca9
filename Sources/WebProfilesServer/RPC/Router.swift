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
package struct Router: CallDispatcher {
    /// Starts a call of one route: decodes its request, tries the fast path, or returns the task.
    typealias Start = @Sendable (_ document: CBORDocument, _ context: CallContext, _ interceptors: [any ServerInterceptor]) -> CallStart

    private struct Route: Sendable {
        var info: MethodInfo
        var listeners: Set<ListenerKind>
        var metrics: CallMetrics?
        var start: Start
    }

    private var routes: [String: Route] = [:]
    private var interceptors: [any ServerInterceptor] = []
    /// Answers a call from its REQUEST's bytes (see ``registerInPlace(_:on:_:)``).
    package typealias InPlace = @Sendable (_ payload: UnsafeRawBufferPointer, _ envelope: RequestEnvelopeView,
                                           _ allocator: ByteBufferAllocator) -> ByteBuffer?

    private struct InPlaceRoute: Sendable {
        var method: [UInt8]
        var listeners: Set<ListenerKind>
        var answer: InPlace
        var metrics: CallMetrics?
    }

    private var inPlaceRoutes: [InPlaceRoute] = []
    /// Where calls are counted and timed (nil: nowhere).
    private let metrics: CallMetricsFactory?
    /// The calls of methods no route has, under one label.
    private let unknownMethodMetrics: CallMetrics?

    /// - Parameter metrics: counts and times every call by method and status code.
    package init(metrics: CallMetricsFactory? = nil) {
        self.metrics = metrics
        unknownMethodMetrics = metrics?.method("unknown")
    }

    /// Adds an interceptor; they run in the order added.
    package mutating func add(interceptor: any ServerInterceptor) {
        interceptors.append(interceptor)
    }

    /// Registers `handler` for `method` on the given listeners.
    package mutating func register<Request, Response>(
        _ method: MethodDescriptor<Request, Response>,
        on listeners: Set<ListenerKind> = [.api, .operator],
        _ handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        add(method, on: listeners, immediate: Optional<@Sendable (Request, CallContext) throws -> Response?>.none, handler)
    }

    /// Registers `handler` for `method`, with a fast path.
    ///
    /// - Parameter immediate: answers on the connection's event loop, without a task, when it can
    ///   do so without waiting (from memory), and returns `nil` when it cannot: `handler` then
    ///   runs. It must give the answer `handler` would, and never block. Its result must encode
    ///   exactly as `Response` (it is `Response` itself, or the same message with parts
    ///   pre-encoded, see ``CBOREncodedValue``).
    package mutating func register<Request, Response, ImmediateResponse: Encodable & Sendable>(
        _ method: MethodDescriptor<Request, Response>,
        on listeners: Set<ListenerKind> = [.api, .operator],
        immediate: @escaping @Sendable (Request, CallContext) throws -> ImmediateResponse?,
        _ handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        add(method, on: listeners, immediate: immediate, handler)
    }

    private mutating func add<Request, Response, ImmediateResponse: Encodable & Sendable>(
        _ method: MethodDescriptor<Request, Response>, on listeners: Set<ListenerKind>,
        immediate: (@Sendable (Request, CallContext) throws -> ImmediateResponse?)?,
        _ handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        precondition(routes[method.name] == nil, "method \(method.name) registered twice")
        let info = MethodInfo(name: method.name, requiresSession: method.requiresSession)
        routes[method.name] = Route(info: info, listeners: listeners, metrics: metrics?.method(method.name), start: { document, context, interceptors in
            // Decoded once, here: the document is released before anything awaits.
            let request: Request
            do {
                request = try Self.decode(Request.self, from: document)
            } catch {
                return .answered(.error(Self.rpcError(for: error, logger: context.logger)))
            }
            var context = context
            if let immediate {
                var fast = context
                do {
                    var decided = true
                    for interceptor in interceptors where decided {
                        decided = try interceptor.interceptImmediately(&fast, method: info)
                    }
                    if decided, let response = try immediate(request, fast) {
                        return .answered(OutgoingResponse(status: .ok, payload: try Payload.encode(ResponseEnvelope(message: response))))
                    }
                } catch {
                    return .answered(.error(Self.rpcError(for: error, logger: fast.logger)))
                }
                // Counted once: what the fast path found in memory is not counted again below.
                context.cacheHitsCounted = fast.cacheHitsCounted
            }
            return .pending { [context] in
                var context = context
                do {
                    for interceptor in interceptors {
                        try await interceptor.intercept(&context, method: info)
                    }
                    let response = try await handler(request, context)
                    return OutgoingResponse(status: .ok, payload: try Payload.encode(ResponseEnvelope(message: response)))
                } catch {
                    return .error(Self.rpcError(for: error, logger: context.logger))
                }
            }
        })
    }

    private static func decode<Request: Decodable>(_ type: Request.Type, from document: CBORDocument) throws -> Request {
        do {
            return try CBORDecoder(limits: Payload.peerLimits).decode(Request.self, from: document, key: messageKey)
        } catch let error as CBORError {
            throw RPCError(code: .invalidArgument, message: "invalid request message: \(error.message)", cause: error)
        } catch let error as DecodingError {
            throw RPCError(code: .invalidArgument, message: "invalid request message: \(Self.describe(error))", cause: error)
        }
    }

    /// Registers the in-place path of a method registered with ``register(_:on:immediate:_:)``:
    /// `answer` gets the REQUEST payload's bytes and its envelope, and returns the RESPONSE
    /// payload of an OK answer (made with ``Frame/payloadBuffer(capacity:allocator:)``, so it is
    /// framed where it is), or nil to leave the call to the method's other paths. It must answer
    /// byte for byte as they would, and only when they would answer OK.
    package mutating func registerInPlace<Request, Response>(_ method: MethodDescriptor<Request, Response>, on listeners: Set<ListenerKind>,
                                                            _ answer: @escaping InPlace) {
        precondition(routes[method.name] != nil, "the in-place path of \(method.name) comes with its route")
        inPlaceRoutes.append(InPlaceRoute(method: Array(method.name.utf8), listeners: listeners, answer: answer, metrics: routes[method.name]?.metrics))
    }

    package func answerInPlace(_ payload: ByteBuffer, streamID: UInt32, listener: ListenerKind, debugLogging: Bool,
                               allocator: ByteBufferAllocator) -> ByteBuffer? {
        // Calls on a socket no in-place route serves (the operator's) are not even scanned.
        guard !debugLogging, inPlaceRoutes.contains(where: { $0.listeners.contains(listener) }) else { return nil }
        return payload.withUnsafeReadableBytes { raw -> ByteBuffer? in
            // A deadline already passed is answered by the general path.
            guard let envelope = RequestEnvelopeView(raw), envelope.timeoutMillis != 0 else { return nil }
            let scanner = CBORScanner(raw)
            guard let route = inPlaceRoutes.first(where: { route in
                route.listeners.contains(listener) && route.method.withUnsafeBytes { scanner.bytes(envelope.method, equal: $0) }
            }) else { return nil }
            let started = ContinuousClock.now
            // Framed while this is its only reference: the header is written without a copy.
            guard var frame = route.answer(raw, envelope, allocator) else { return nil }
            Frame.frameInPlace(&frame, kind: .response, status: .ok, streamID: streamID)
            route.metrics?.record(.ok, ContinuousClock.now - started)
            return frame
        }
    }

    /// The names of all registered methods.
    package var methodNames: [String] { routes.keys.sorted() }

    package func start(_ call: IncomingCall) -> CallStart {
        let logsDuration = call.logger.logLevel <= .debug
        let route = routes[call.method]
        let metrics = route == nil ? unknownMethodMetrics : route?.metrics
        // Timed only when something reports it: the metrics, or the debug entry.
        let started = logsDuration || metrics != nil ? ContinuousClock.now : nil
        let context = CallContext(streamID: call.streamID, method: call.method, metadata: call.metadata, peer: call.peer,
                                  listener: call.listener, deadline: call.deadline, logger: call.logger)
        let outcome: CallStart
        if let route {
            if route.listeners.contains(call.listener) {
                outcome = route.start(call.payload, context, interceptors)
            } else {
                outcome = .answered(.error(RPCError(code: .permissionDenied, message: "\(call.method) is not available on the \(call.listener) socket")))
            }
        } else {
            outcome = .answered(.error(RPCError(code: .unimplemented, message: "unknown method \"\(LogSafe.text(call.method, maxLength: 128))\"")))
        }
        guard let started else { return outcome }
        switch outcome {
        case .answered(let response):
            Self.finished(response, context: context, started: started, metrics: metrics, log: logsDuration)
            return outcome
        case .pending(let run):
            return .pending {
                let response = await run()
                // A call the connection ended (CANCEL, or its deadline) was answered that way,
                // whatever its work came to afterwards: it is counted as it was answered.
                var answered = response
                if Task.isCancelled {
                    let late = context.deadline.map { NIODeadline.now() >= $0 } ?? false
                    answered.status = late ? .deadlineExceeded : .cancelled
                }
                Self.finished(answered, context: context, started: started, metrics: metrics, log: logsDuration)
                return response
            }
        }
    }

    private static func finished(_ response: OutgoingResponse, context: CallContext, started: ContinuousClock.Instant, metrics: CallMetrics?,
                                 log: Bool) {
        let duration = ContinuousClock.now - started
        metrics?.record(response.status, duration)
        guard log else { return }
        context.logger.debug("call finished", metadata: [
            "status": "\(response.status.name)",
            "duration_us": "\(duration.wholeMicroseconds)",
        ])
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
            let converted = error.rpcError
            if converted.code == .internal {
                logger.error("call failed with an unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            }
            return converted
        case is CancellationError:
            return RPCError(code: .cancelled, message: "call cancelled")
        default:
            logger.error("call failed with an unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return RPCError(code: .internal, message: "internal error")
        }
    }
}


