#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore

/// Who is at the other end of a Unix socket connection, read once at accept (SO_PEERCRED).
package struct PeerCredentials: Hashable, Sendable, CustomStringConvertible {
    package var pid: Int32
    package var uid: UInt32
    package var gid: UInt32

    package init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    package var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }

    /// Reads SO_PEERCRED from an accepted Unix stream channel.
    package static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(TransportError(message: "channel does not expose socket options"))
        }
        let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
    }
}

/// Layout of Linux's `struct ucred` (pid_t, uid_t, gid_t), which Glibc only exposes with
/// `_GNU_SOURCE`; SO_PEERCRED fills exactly these 12 bytes.
private struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// A failure of the transport (binding, descriptors, credentials).
package struct TransportError: Error, CustomStringConvertible, Sendable {
    package var message: String
    package init(message: String) { self.message = message }
    package var description: String { message }
}
