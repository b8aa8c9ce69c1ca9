import NIOCore
import WebProfilesWire

/// The frame decoder on any byte stream, fed in the chunk sizes the first byte picks: it must
/// either produce frames whose fields obey the framing rules or fail with a FrameError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let first = bytes.first else { return 0 }
    let chunk = Int(first % 64) + 1
    var decoder = FrameDecoder(maxFrameBytes: 1 << 16)
    var buffer = ByteBuffer()
    var offset = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
        offset = end
        do {
            while let frame = try decoder.decode(buffer: &buffer) {
                precondition(frame.lengthField <= 1 << 16, "a frame longer than the maximum was decoded")
                precondition(frame.kind.hasStreamID == (frame.streamID != 0), "a frame broke the stream id rule")
            }
        } catch {
            return 0
        }
    }
    return 0
}
