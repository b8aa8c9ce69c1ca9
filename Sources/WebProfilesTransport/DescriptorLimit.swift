#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process's file-descriptor limit, and how many API connections fit in it while a reserve
/// stays free for the operator socket, the database and the daemon's own needs.
package enum DescriptorLimit {
    /// Descriptors kept for everything but API connections: the database (the writer and up to
    /// five readers, each with its file, WAL and shared memory), the journal, the event loops'
    /// epoll and wake-up descriptors, the hashing threads, the listeners themselves.
    package static let reserve = 64
    /// Connections the operator socket holds at most (customer-service tools are few).
    package static let operatorConnections = 32

    /// Raises the soft limit to the hard one where allowed (under systemd, `LimitNOFILE=` sets
    /// both); returns the soft limit in force.
    package static func raiseSoftLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }

    /// The API connections that fit in `softLimit` descriptors beside the reserve and the
    /// operator socket's connections: `requested`, or fewer.
    package static func apiConnections(requested: Int, softLimit: Int) -> Int {
        max(1, min(requested, softLimit - reserve - operatorConnections))
    }
}
