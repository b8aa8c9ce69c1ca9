#if canImport(Glibc)
import Glibc
#endif
import CSystemd

/// Descriptors passed by socket activation (`LISTEN_FDS`), by their `FileDescriptorName=`.
package enum SocketActivation {
    /// A problem with the passed descriptors; the daemon refuses to start with its message.
    package struct Error: Swift.Error, CustomStringConvertible {
        package var description: String
    }

    /// The passed descriptors by name, or nil when the process was not socket-activated.
    /// Each must be a listening Unix stream socket; the environment variables are unset.
    package static func listeningSockets() throws(Error) -> [String: Int32]? {
        guard getenvString("LISTEN_FDS") != nil else { return nil }
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count >= 0 else { throw Error(description: "cannot read the passed descriptors (LISTEN_FDS): error \(-count)") }
        defer {
            if let names {
                for i in 0..<Int(count) { free(names[i]) }
                free(names)
            }
        }
        var result: [String: Int32] = [:]
        for i in 0..<Int(count) {
            let fd = SD_LISTEN_FDS_START + Int32(i)
            let name = names?[i].map { String(cString: $0) } ?? "unknown"
            guard sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else {
                throw Error(description: "passed descriptor \(fd) (\(name)) is not a listening Unix stream socket")
            }
            guard result[name] == nil else {
                throw Error(description: "two passed descriptors are named \(name)")
            }
            result[name] = fd
        }
        return result
    }
}
