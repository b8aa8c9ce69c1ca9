/// Text a peer chose, made safe to log: every character outside printable ASCII is written as
/// `\u{…}` (so a newline cannot start a forged line, nor an escape sequence recolour a terminal),
/// and the result is cut to `maxLength` characters.
public enum LogSafe {
    public static func text(_ input: some StringProtocol, maxLength: Int = 128) -> String {
        var out = ""
        var count = 0
        for scalar in input.unicodeScalars {
            if count >= maxLength {
                out += "…"
                break
            }
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else if scalar == "\\" {
                out += "\\\\"
            } else {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            }
            count += 1
        }
        return out
    }
}
