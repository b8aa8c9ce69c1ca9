import CBOR
import NIOCore
import WebProfilesAPI
import WebProfilesWire

/// A REQUEST payload as the server reads it: the envelope (RequestParser, the server's own
/// code), then the message of the method it names, or of every method when it names none.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let payload = ByteBuffer(bytes: UnsafeRawBufferPointer(start: start, count: count))
    guard let request = try? RequestParser.parse(payload) else { return 0 }
    if let method = APICatalog.byName[request.header.method] {
        _ = try? method.decodeRequest(from: request.document, key: messageKey)
    } else {
        for method in APICatalog.methods { _ = try? method.decodeRequest(from: request.document, key: messageKey) }
    }
    return 0
}
