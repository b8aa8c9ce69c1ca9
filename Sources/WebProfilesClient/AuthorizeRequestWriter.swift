import NIOCore
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesWire

/// `Session/Authorize` REQUEST payloads written straight into a frame buffer: the envelope
/// `Payload.encode(RequestEnvelope(…))` makes (keys in declaration order, absent ones left
/// out, shortest heads), without the general encoder, with room left for the frame header.
enum AuthorizeRequestWriter {
    static func payload(_ request: AuthorizeRequest, timeoutMillis: UInt64?, metadata: [String: String],
                        allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = Frame.payloadBuffer(capacity: 128 + metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 4 }, allocator: allocator)
        buffer.writeCBORHead(major: 5, UInt64(2 + (timeoutMillis == nil ? 0 : 1) + (metadata.isEmpty ? 0 : 1)))
        buffer.writeCBORText("method")
        buffer.writeCBORText(SessionAPI.authorize.name)
        buffer.writeCBORText("message")
        buffer.writeCBORHead(major: 5, UInt64(1 + (request.line == nil ? 0 : 1) + (request.companyId == nil ? 0 : 1)))
        buffer.writeCBORText("permission")
        buffer.writeCBORText(request.permission.rawValue)
        if let line = request.line {
            buffer.writeCBORText("line")
            buffer.writeCBORText(line)
        }
        if let company = request.companyId {
            buffer.writeCBORText("companyId")
            buffer.writeCBORText(company)
        }
        if let timeoutMillis {
            buffer.writeCBORText("timeoutMillis")
            buffer.writeCBORHead(major: 0, UInt64(timeoutMillis))
        }
        if !metadata.isEmpty {
            buffer.writeCBORText("metadata")
            buffer.writeCBORHead(major: 5, UInt64(metadata.count))
            for (key, value) in metadata {
                buffer.writeCBORText(key)
                buffer.writeCBORText(value)
            }
        }
        return buffer
    }
}
