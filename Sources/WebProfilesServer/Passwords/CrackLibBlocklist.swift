import CCrack
import Foundation
import Synchronization
import WebProfilesDomain

/// The password blocklist: the words common passwords are made of (``CommonPasswords``, built
/// in), Debian's cracklib dictionary (`libcrack2`: dictionary words, with the mangling rules
/// attackers use), and an optional list of passwords, one per line, loaded at start-up
/// (`passwords.blocklist_file`).
///
/// People decorate a weak word to pass composition rules ("Password1234!", "Juventus1897"):
/// each check looks at the password as typed and at its core, the word left once case, common
/// letter-for-digit swaps and the digits and symbols around it are taken away.
package final class CrackLibBlocklist: PasswordBlocklist {
    /// The dictionary's path without its `.pwd`/`.pwi`/`.hwm` suffix; nil: not used.
    let dictionary: String?
    /// The listed passwords, folded.
    let listed: Set<String>
    /// cracklib keeps the open dictionary in static variables: one check at a time in the
    /// process, whatever the instance.
    private static let lock = Mutex(())

    /// Debian's default dictionary.
    package static let defaultDictionary = "/var/cache/cracklib/cracklib_dict"

    package struct Error: Swift.Error, CustomStringConvertible {
        package var description: String
    }

    /// - Throws: when the dictionary or the file cannot be read (a daemon that would accept any
    ///   password must not start believing otherwise).
    package init(dictionary: String?, listFile: String?) throws {
        if let dictionary {
            for suffix in [".pwd", ".pwi", ".hwm"] where !FileManager.default.isReadableFile(atPath: dictionary + suffix) {
                throw Error(description: "the cracklib dictionary \(dictionary) cannot be read (\(dictionary + suffix)); install cracklib-runtime or set passwords.cracklib_dictionary = \"\"")
            }
        }
        self.dictionary = dictionary
        var listed = Set<String>()
        if let listFile {
            guard let text = try? String(contentsOfFile: listFile, encoding: .utf8) else {
                throw Error(description: "the password blocklist \(listFile) cannot be read")
            }
            for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") && !line.isEmpty {
                listed.insert(SearchText.fold(PasswordPolicy.normalized(String(line))))
            }
        }
        self.listed = listed
    }

    /// How many passwords the list file added.
    package var listedCount: Int { listed.count }

    package func refusal(for password: String, username: String) -> String? {
        let core = Self.core(of: password)
        if listed.contains(SearchText.fold(password)) || listed.contains(core) {
            return "is on the list of common or leaked passwords, which attackers try first; choose another"
        }
        if CommonPasswords.words.contains(core) {
            return "is a common password (\"\(core)\") with a few characters added, which attackers try first; a few unrelated words make a stronger one"
        }
        guard let dictionary else { return nil }
        if core.count >= PasswordPolicy.minimumContextWordLength, core != SearchText.fold(password),
           let message = Self.lock.withLock({ _ in FascistCheck(core, dictionary).map { String(cString: $0) } }), message.contains("dictionary word") {
            return "is a dictionary word (\"\(core)\") with a few characters added, which attackers try first; a few unrelated words make a stronger one"
        }
        let message: String? = Self.lock.withLock { _ in
            FascistCheckUser(password, dictionary, username, nil).map { String(cString: $0) }
        }
        guard let message else { return nil }
        if message.contains("error loading dictionary") {
            // The dictionary was readable at start-up and is not now: say so rather than
            // blame the password or let it through unchecked.
            return "cannot be checked against the list of common passwords right now (the daemon's dictionary is unreadable); try again later"
        }
        return Self.explain(message)
    }

    /// The word a decorated password is made of: folded (case, accents), the usual
    /// letter-for-digit swaps undone (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s), then the digits
    /// and symbols at either end taken away. "P@ssw0rd2026!" is "password".
    static func core(of password: String) -> String {
        let swaps: [Character: Character] = ["0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"]
        let folded = SearchText.fold(password)
        // Digits at the ends are decoration, not swapped letters: strip them first.
        let trimmed = folded.drop { !$0.isLetter }.reversed().drop { !$0.isLetter }.reversed()
        let unswapped = String(trimmed.map { swaps[$0] ?? $0 })
        return String(unswapped.filter { $0.isLetter })
    }

    /// cracklib's terse reasons, said for a person.
    static func explain(_ message: String) -> String? {
        switch message {
        case let m where m.contains("dictionary word"):
            return "is based on a common word or password, which attackers try first; a few unrelated words make a stronger one"
        case let m where m.contains("simplistic") || m.contains("systematic"):
            return "is too simple or systematic (a keyboard row, a run of numbers); choose another"
        case let m where m.contains("DIFFERENT characters"):
            return "repeats too few different characters; choose another"
        case let m where m.contains("whitespace"):
            return "is only spaces"
        case let m where m.contains("username") || m.contains("password entry"):
            return "must not be based on your username"
        case let m where m.contains("too short"):
            // Our length rule comes first; cracklib's shorter minimum never decides.
            return nil
        default:
            return "is too easy to guess (\(message)); choose another"
        }
    }
}
