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
        writeHead(5, 2 + (timeoutMillis == nil ? 0 : 1) + (metadata.isEmpty ? 0 : 1), into: &buffer)
        writeText("method", into: &buffer)
        writeText(SessionAPI.authorize.name, into: &buffer)
        writeText("message", into: &buffer)
        writeHead(5, 1 + (request.line == nil ? 0 : 1) + (request.companyId == nil ? 0 : 1), into: &buffer)
        writeText("permission", into: &buffer)
        writeText(request.permission.rawValue, into: &buffer)
        if let line = request.line {
            writeText("line", into: &buffer)
            writeText(line, into: &buffer)
        }
        if let company = request.companyId {
            writeText("companyId", into: &buffer)
            writeText(company, into: &buffer)
        }
        if let timeoutMillis {
            writeText("timeoutMillis", into: &buffer)
            writeHead(0, timeoutMillis, into: &buffer)
        }
        if !metadata.isEmpty {
            writeText("metadata", into: &buffer)
            writeHead(5, UInt64(metadata.count), into: &buffer)
            for (key, value) in metadata {
                writeText(key, into: &buffer)
                writeText(value, into: &buffer)
            }
        }
        return buffer
    }

    private static func writeText(_ text: String, into buffer: inout ByteBuffer) {
        writeHead(3, UInt64(text.utf8.count), into: &buffer)
        buffer.writeString(text)
    }

    private static func writeHead(_ major: UInt8, _ value: some BinaryInteger, into buffer: inout ByteBuffer) {
        let value = UInt64(value)
        switch value {
        case 0..<24: buffer.writeInteger(major << 5 | UInt8(value))
        case 24...0xFF: buffer.writeInteger(major << 5 | 24); buffer.writeInteger(UInt8(value))
        case 0x100...0xFFFF: buffer.writeInteger(major << 5 | 25); buffer.writeInteger(UInt16(value))
        case 0x1_0000...0xFFFF_FFFF: buffer.writeInteger(major << 5 | 26); buffer.writeInteger(UInt32(value))
        default: buffer.writeInteger(major << 5 | 27); buffer.writeInteger(value)
        }
    }
}
