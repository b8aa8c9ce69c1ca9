import WebProfilesWire

/// Facts about a registered method that interceptors act on.
public struct MethodInfo: Sendable {
    public var name: String
    public var requiresSession: Bool
}

/// Runs before every handler; may enrich the context or refuse the call.
public protocol ServerInterceptor: Sendable {
    /// Inspects or changes `context`; throwing an ``RPCError`` ends the call with it.
    func intercept(_ context: inout CallContext, method: MethodInfo) async throws
}
