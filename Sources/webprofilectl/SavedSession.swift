import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The session token `login --save` keeps for later commands: one 0600 file under
/// `$XDG_RUNTIME_DIR/webprofilectl/` (or `/tmp/webprofilectl-<uid>/` without it).
enum SavedSession {
    static var directory: String {
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return runtime + "/webprofilectl"
        }
        return "/tmp/webprofilectl-\(getuid())"
    }

    static var path: String { directory + "/session" }

    static func load() -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    static func save(_ token: String) throws {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw CLIError("cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid() else {
            throw CLIError("\(directory) is not a directory of yours; refusing to store the session there")
        }
        chmod(directory, 0o700)
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array((token + "\n").utf8)
        let written = write(fd, bytes, bytes.count)
        fsync(fd)
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            throw CLIError("cannot write \(path)")
        }
    }

    static func remove() {
        unlink(path)
    }
}

/// A failure of the CLI itself (not of the daemon), printed and exited with status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
