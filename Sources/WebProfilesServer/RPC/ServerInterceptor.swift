import WebProfilesWire

/// Facts about a registered method that interceptors act on.
package struct MethodInfo: Sendable {
    package var name: String
    package var requiresSession: Bool
}

/// Runs before every handler; may enrich the context or refuse the call.
package protocol ServerInterceptor: Sendable {
    /// Inspects or changes `context`; throwing an ``RPCError`` ends the call with it.
    func intercept(_ context: inout CallContext, method: MethodInfo) async throws

    /// The same without suspending, for calls answered on the connection's event loop: returns
    /// `false` if it cannot decide without waiting (the call then takes the asynchronous path
    /// and ``intercept(_:method:)`` runs). Must never block.
    ///
    /// Returning `true` does not guarantee the fast path answers: when the handler's own fast
    /// path cannot, the call starts again on the asynchronous path and ``intercept(_:method:)``
    /// runs too. Both must therefore be safe to run for the same call.
    func interceptImmediately(_ context: inout CallContext, method: MethodInfo) throws -> Bool
}

extension ServerInterceptor {
    /// Interceptors that do not implement it keep every call on the asynchronous path.
    package func interceptImmediately(_ context: inout CallContext, method: MethodInfo) throws -> Bool { false }
}
