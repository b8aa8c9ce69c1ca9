import Testing
import WebProfilesDomain

/// Look-alikes and hidden characters in names (Protocol/PROTOCOL.md, "Text"): usernames are
/// normalised (NFKC, case folded) and refuse mixed scripts and invisible or text-direction
/// characters; display names refuse the invisible and text-direction ones.
@Suite("Unicode rules")
struct UnicodeTests {
    @Test func compatibilityFormsFoldToPlainLetters() throws {
        #expect(try Username("ｍａｒｉｏ.ｒｏｓｓｉ").value == "mario.rossi")
        #expect(try Username("ﬁlippo").value == "filippo")
        #expect(try Username("Élise").value == (try Username("élise").value))
    }

    @Test(arguments: [
        "pаypal",          // Cyrillic а among Latin letters
        "mario\u{202E}lanif", // right-to-left override
        "ma\u{200B}rio",   // zero-width space
        "ma\u{200D}rio",   // zero-width joiner
        "mario\u{2066}x",  // left-to-right isolate
        "αlpha",           // Greek α among Latin letters
        "mario٣",          // an Arabic-Indic digit
    ])
    func lookAlikesAndHiddenCharactersAreRefused(input: String) {
        #expect(throws: ValidationError.self, "\(input.unicodeScalars.map { String($0.value, radix: 16) })") { try Username(input) }
    }

    @Test(arguments: ["élise.durand", "андрей", "γιώργος", "山田太郎", "やまだ.taro", "김민수", "محمد", "mario_rossi-2", "a@b.it"])
    func singleScriptNamesAreAccepted(input: String) throws {
        _ = try Username(input)
    }

    @Test func displayNamesRefuseHiddenAndDirectionCharacters() throws {
        #expect(try TextRules.name("Anna Bianchi", field: "displayName") == "Anna Bianchi")
        #expect(try TextRules.name("محمد علي", field: "displayName") == "محمد علي")
        // Joiners some scripts and emoji need are allowed.
        _ = try TextRules.name("मेहरा\u{200D}", field: "displayName")
        for bad in ["Anna\u{202E}ihcnaiB", "Anna\u{2067}x", "An\u{200B}na", "Anna\u{FEFF}", "Anna\u{2028}Bianchi"] {
            #expect(throws: ValidationError.self, "\(bad.unicodeScalars.map { String($0.value, radix: 16) })") {
                try TextRules.name(bad, field: "displayName")
            }
        }
    }

    @Test func hugeInputsAreRefusedBeforeTheyAreWalked() {
        let huge = String(repeating: "A", count: 1 << 20)
        #expect(throws: ValidationError.self) { try Username(huge) }
        #expect(throws: ValidationError.self) { try TextRules.name(huge, field: "displayName") }
        #expect(throws: ValidationError.self) { try TextRules.email(huge) }
        #expect(throws: ValidationError.self) { try MSISDN(huge) }
        #expect(throws: ValidationError.self) { try FiscalCode(huge) }
        #expect(throws: ValidationError.self) { try VATNumber(huge) }
        #expect(throws: ValidationError.self) { try PasswordPolicy().check(huge, username: "x") }
    }
}
