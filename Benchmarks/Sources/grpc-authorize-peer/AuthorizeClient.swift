import GRPCCore
import WebProfilesAPI

/// Calls ``AuthorizeService`` (`webprofiles.v1.Session/Authorize`) through a running
/// `GRPCClient`, with a session token in `authorization: Bearer <token>` metadata.
struct AuthorizeClient<Transport: ClientTransport>: Sendable {
    private let client: GRPCClient<Transport>
    private let metadata: Metadata
    private let serializer = JSONMessageSerializer<AuthorizeRequest>()
    private let deserializer = JSONMessageDeserializer<AuthorizeResponse>()

    init(wrapping client: GRPCClient<Transport>, token: String) {
        self.client = client
        var metadata = Metadata()
        metadata.addString("Bearer \(token)", forKey: "authorization")
        self.metadata = metadata
    }

    /// The server's answer; throws the call's `RPCError` if it fails.
    func authorize(_ request: AuthorizeRequest) async throws -> AuthorizeResponse {
        try await client.unary(
            request: ClientRequest(message: request, metadata: metadata),
            descriptor: AuthorizeService.method,
            serializer: serializer,
            deserializer: deserializer,
            options: .defaults
        ) { response in
            try response.message
        }
    }
}
