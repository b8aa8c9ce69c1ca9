import Foundation
import GRPCCore

/// Deserializes a `Codable` message from JSON with Foundation's `JSONDecoder`; the counterpart
/// of ``JSONMessageSerializer``.
struct JSONMessageDeserializer<Message: Decodable>: MessageDeserializer {
    private let decoder = JSONDecoder()

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        // `JSONDecoder` reads `Data`, so the message is copied once out of the transport's buffer.
        let data = serializedMessageBytes.withUnsafeBytes { Data($0) }
        do {
            return try decoder.decode(Message.self, from: data)
        } catch {
            throw RPCError(code: .invalidArgument, message: "invalid \(Message.self) JSON: \(error)", cause: error)
        }
    }
}
