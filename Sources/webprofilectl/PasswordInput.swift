#if canImport(Glibc)
import Glibc
#endif

/// Reads passwords from the terminal without echo, or from standard input for scripts.
enum PasswordInput {
    /// One line of standard input (without the newline).
    static func readLineFromStdin() throws -> String {
        guard let line = readLine(strippingNewline: true) else { throw CLIError("expected a password on standard input") }
        return line
    }

    /// Prompts on /dev/tty with echo off.
    static func prompt(_ text: String) throws -> String {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError("no terminal to ask for the password; use --password-stdin") }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        _ = write(fd, &bytes, bytes.count)
        var original = termios()
        tcgetattr(fd, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(fd, TCSAFLUSH, &silent)
        defer {
            tcsetattr(fd, TCSAFLUSH, &original)
            var newline: [UInt8] = [10]
            _ = write(fd, &newline, 1)
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 10 { line.append(byte) }
        return String(decoding: line, as: UTF8.self)
    }

    /// A new password, asked twice on the terminal or read once from standard input.
    static func newPassword(fromStdin: Bool, label: String = "New password") throws -> String {
        if fromStdin { return try readLineFromStdin() }
        let first = try prompt("\(label): ")
        let second = try prompt("\(label) again: ")
        guard first == second else { throw CLIError("the two passwords differ") }
        return first
    }
}
