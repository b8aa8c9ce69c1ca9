import Foundation
import GRPCCore

/// Serializes a `Codable` message as JSON with Foundation's `JSONEncoder`, for methods defined
/// without Protocol Buffers.
struct JSONMessageSerializer<Message: Encodable>: MessageSerializer {
    private let encoder = JSONEncoder()

    func serialize<Bytes: GRPCContiguousBytes>(_ message: Message) throws -> Bytes {
        let data: Data
        do {
            data = try encoder.encode(message)
        } catch {
            throw RPCError(code: .internalError, message: "cannot encode \(Message.self) as JSON", cause: error)
        }
        return Bytes(data)
    }
}
