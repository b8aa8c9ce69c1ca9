import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CBOR

/// A deliberately dumb client on a plain socket, for sending what a real client never would.
public final class RawConnection {
    public struct ReceivedFrame {
        public var kind: UInt8
        public var status: UInt16
        public var streamID: UInt32
        public var payload: [UInt8]
        public var value: CBORValue? { try? CBORDecoder().decode(CBORValue.self, from: payload) }
    }

    public let fd: Int32

    public init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    public func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    public func send(hex: String) {
        send(stride(from: 0, to: hex.count, by: 2).map { i in
            let start = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        })
    }

    /// A valid client HELLO, then the server's HELLO.
    public func handshake(maxFrameBytes: UInt64 = 1 << 20) throws {
        let payload = try CBOREncoder().encode(CBORValue.textMap([
            "protocol": .text("webprofiles"), "version": .unsigned(1), "peer": .text("raw/1"), "maxFrameBytes": .unsigned(maxFrameBytes),
        ]))
        send(Self.frame(kind: 1, payload: payload))
        guard let hello = readFrame(), hello.kind == 1 else { throw POSIXError(.EPROTO) }
    }

    public static func frame(kind: UInt8, status: UInt16 = 0, streamID: UInt32 = 0, payload: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt32(8 + payload.count).bigEndian) { bytes += $0 }
        bytes += [kind, 0]
        withUnsafeBytes(of: status.bigEndian) { bytes += $0 }
        withUnsafeBytes(of: streamID.bigEndian) { bytes += $0 }
        return bytes + payload
    }

    public static func request(streamID: UInt32, method: String, message: CBORValue, timeoutMillis: UInt64? = nil) -> [UInt8] {
        var map: [CBORValue.Entry] = [.init(.text("method"), .text(method)), .init(.text("message"), message)]
        if let timeoutMillis { map.append(.init(.text("timeoutMillis"), .unsigned(timeoutMillis))) }
        return frame(kind: 2, streamID: streamID, payload: try! CBOREncoder().encode(CBORValue.map(map)))
    }

    private func readExactly(_ count: Int) -> [UInt8]? {
        var result = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = result.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n <= 0 { return nil }
            got += n
        }
        return result
    }

    /// The next frame, or nil at end of stream (or after the 5 s receive timeout).
    public func readFrame() -> ReceivedFrame? {
        guard let header = readExactly(12) else { return nil }
        let length = header[0..<4].reduce(0) { $0 << 8 | Int($1) }
        let status = UInt16(header[6]) << 8 | UInt16(header[7])
        let stream = header[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard let payload = length > 8 ? readExactly(length - 8) : [] else { return nil }
        return ReceivedFrame(kind: header[4], status: status, streamID: stream, payload: payload)
    }

    /// Waits up to `seconds` for a frame; nil if none arrives.
    public func frame(within seconds: Int) -> ReceivedFrame? {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        defer {
            var normal = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &normal, socklen_t(MemoryLayout<timeval>.size))
        }
        return readFrame()
    }

    /// Whether the server closed the connection (reads end of stream).
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }
}
