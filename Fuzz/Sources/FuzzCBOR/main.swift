import CBOR

/// The CBOR parser on any bytes, with the daemon's limits and with none: it must accept or
/// refuse without crashing, and what it accepts must re-encode to something it accepts again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCBOR(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    _ = try? CBORDocument(bytes: bytes, limits: CBORDocument.Limits(maxItems: 8192, textKeysOnly: true))
    guard let document = try? CBORDocument(bytes: bytes) else { return 0 }
    let value = document.rootValue
    guard let encoded = try? CBOREncoder().encode(value) else { return 0 }
    do {
        _ = try CBORDocument(bytes: encoded)
    } catch {
        preconditionFailure("re-encoded value does not parse: \(error)")
    }
    return 0
}
