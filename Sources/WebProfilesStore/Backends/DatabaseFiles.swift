#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// The database files on disk: private to the daemon whatever the umask, as they hold the
/// password hashes.
enum DatabaseFiles {
    /// The mode of the database and of its WAL and shared-memory files.
    static let mode: mode_t = 0o600

    /// Creates the folder (0700) and the database file (0600) before SQLite opens it, so that
    /// SQLite, which gives the WAL and shared-memory files the database file's mode, never makes
    /// them readable to others either.
    static func prepare(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw StoreError(.unavailable, "cannot open the database file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & 0o077 != 0 { _ = fchmod(fd, mode) }
    }

    /// Tightens the modes of the database's files that exist (a database made by an older
    /// version, or copied in, may be readable by others).
    static func restrict(path: String) throws {
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            if info.st_mode & 0o077 != 0 { _ = chmod(file, mode) }
        }
    }
}
