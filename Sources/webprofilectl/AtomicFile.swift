import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writing a file so that a reader sees the old contents or the new, never a part: a new
/// temporary file of a random name in the same folder (a name a collector matching `*.prom`
/// skips), flushed to disk, then renamed over the target.
enum AtomicFile {
    static func write(_ data: Data, to path: String, permissions: mode_t) throws {
        let url = URL(fileURLWithPath: path)
        // A new file of an unpredictable name, made here and by no one else (O_EXCL): whoever
        // else may write the folder cannot have put a FIFO, a link or a file of theirs there.
        var temporary = ""
        var fd: Int32 = -1
        for _ in 0..<16 {
            let suffix = (0..<12).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! }
            temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(String(suffix)).tmp").path
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, permissions)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw CLIError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var failure: String?
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "cannot write \(temporary): \(String(cString: strerror(errno)))"
                    return
                }
                offset += written
            }
        }
        // The mode asked for, whatever the umask made of it.
        if failure == nil, fchmod(fd, permissions) != 0 { failure = "cannot set the mode of \(temporary): \(String(cString: strerror(errno)))" }
        if failure == nil, fsync(fd) != 0 { failure = "cannot flush \(temporary): \(String(cString: strerror(errno)))" }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))" }
        if let failure {
            unlink(temporary)
            throw CLIError(failure)
        }
    }
}
