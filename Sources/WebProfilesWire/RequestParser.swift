import CBOR
import NIOCore

/// A REQUEST payload checked up to its message: parsed within ``Payload/peerLimits``, the
/// envelope's fields read, the metadata bounded before it is decoded and then validated.
public struct ParsedRequest: Sendable {
    public var header: RequestHeader
    /// The whole payload; the message is under ``messageKey``.
    public var document: CBORDocument
}

/// Reads REQUEST payloads (Protocol/PROTOCOL.md, section 4.2). Every failure is an
/// INVALID_ARGUMENT ``RPCError`` saying what was wrong.
public enum RequestParser {
    public static func parse(_ payload: ByteBuffer) throws(RPCError) -> ParsedRequest {
        let document: CBORDocument
        do {
            document = try Payload.document(payload, limits: Payload.peerLimits)
        } catch {
            throw RPCError(code: .invalidArgument, message: "undecodable request: \(error.message)")
        }
        // Bound the metadata map (tagged or not) before decoding it; its keys are text (the
        // parser refuses any other key).
        if let count = document.mapCount(underKey: "metadata"), count > Metadata.maxEntries {
            throw RPCError(code: .invalidArgument, message: "metadata has \(count) entries; at most \(Metadata.maxEntries) are allowed")
        }
        let header: RequestHeader
        do {
            header = try CBORDecoder(limits: Payload.peerLimits).decode(RequestHeader.self, from: document)
        } catch let error as CBORError {
            throw RPCError(code: .invalidArgument, message: "undecodable request: \(error.message)")
        } catch {
            throw RPCError(code: .invalidArgument, message: "undecodable request: \(error)")
        }
        try Metadata.validate(header.metadata ?? [:])
        return ParsedRequest(header: header, document: document)
    }
}
