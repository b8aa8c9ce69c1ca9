import Testing
import WebProfilesDomain

@Suite("Validation")
struct ValidationTests {
    @Test(arguments: ["01234567897", "IT01234567897", "012 345 678 97", "12345678903", "00743110157"])
    func validVATNumbers(input: String) throws {
        #expect(try VATNumber(input).value.count == 11)
    }

    @Test(arguments: ["01234567890", "0123456789", "012345678977", "0123456789A", "00000000000", ""])
    func invalidVATNumbers(input: String) {
        let error = #expect(throws: ValidationError.self) { try VATNumber(input) }
        #expect(error?.field == "vatNumber")
    }

    @Test(arguments: ["RSSMRA80A01H501U", "rssmra80a01h501u", " RSSMRA80A01H501U "])
    func validFiscalCodes(input: String) throws {
        #expect(try FiscalCode(input).value == "RSSMRA80A01H501U")
    }

    @Test func omocodiaIsAccepted() throws {
        // Digits replaced by their letters (omocodia) with the check letter recomputed.
        let base = Array("RSSMRA80A01H50MU".prefix(15))
        let check = FiscalCode.checkCharacter(base)
        #expect(try FiscalCode(String(base) + String(check)).value.count == 16)
    }

    @Test(arguments: ["RSSMRA80A01H501X", "RSSMRA80A01H501", "RSSMRA80Z01H501U", "1SSMRA80A01H501U", "RSSMRA80A01H5O1U"])
    func invalidFiscalCodes(input: String) {
        #expect(throws: ValidationError.self) { try FiscalCode(input) }
    }

    @Test func msisdns() throws {
        #expect(try MSISDN("+39 333 123 4567").value == "+393331234567")
        #expect(try MSISDN("+393331234567").kind == .mobile)
        #expect(try MSISDN("0039 06 1234 5678").value == "+390612345678")
        #expect(try MSISDN("+390612345678").kind == .fixed)
        for bad in ["3331234567", "+41791234567", "+39 333 12", "+39 833 1234567", "+39333123456a", "+3933312345678901"] {
            #expect(throws: ValidationError.self, "\(bad)") { try MSISDN(bad) }
        }
    }

    /// The allocation-free check accepts exactly the stored form, with the kind the full parser gives.
    @Test func canonicalMSISDNsAreTheStoredForm() throws {
        for input in ["+393331234567", "+39333123456", "+390612345678", "+39061234", "+3906123456789"] {
            let full = try MSISDN(input)
            let fast = try #require(MSISDN(canonical: input))
            #expect(fast == full, "\(input)")
        }
        for other in ["+39 333 1234567", "0039333123456", "3331234567", "+41791234567", "+3933312345", "+39333123456a", "+39833123456",
                      "+3906123", "+39061234567890", "+39", ""] {
            #expect(MSISDN(canonical: other) == nil, "\(other)")
            if let full = try? MSISDN(other) { #expect(full.value != other, "\(other) is stored as it is, yet refused as canonical") }
        }
    }

    @Test func usernamesAreNormalisedOnce() throws {
        #expect(try Username("  Mario.Rossi ").value == "mario.rossi")
        // NFC: e + combining acute == é.
        #expect(try Username("Jose\u{0301}").value == (try Username("JOSÉ").value))
        // Case folding beyond lowercasing: ß folds to ss.
        #expect(try Username("Strauß").value == (try Username("STRAUSS").value))
        for bad in ["", "  ", "ab", "mario rossi", "mario\u{0}x", String(repeating: "a", count: 65)] {
            #expect(throws: ValidationError.self, "\(bad)") { try Username(bad) }
        }
    }

    @Test func emails() throws {
        #expect(try TextRules.email(" Anna@Rossi.IT ") == "Anna@rossi.it")
        for bad in ["anna", "anna@", "@rossi.it", "anna@rossi", "an na@rossi.it", "a@b@c.it"] {
            #expect(throws: ValidationError.self, "\(bad)") { try TextRules.email(bad) }
        }
    }

    @Test func passwordPolicy() throws {
        let policy = PasswordPolicy()
        try policy.check("correct horse battery", username: "mario.rossi")
        try policy.check("ünïcödé-пароль-密码", username: "mario.rossi")
        #expect(throws: ValidationError.self) { try policy.check("short", username: "mario.rossi") }
        #expect(throws: ValidationError.self) { try policy.check("xxMARIO.ROSSIxx", username: "mario.rossi") }
        #expect(throws: ValidationError.self) { try policy.check(String(repeating: "é", count: 129), username: "x") }
        try policy.check(String(repeating: "é", count: 128), username: "xyz")
        #expect(throws: ValidationError.self) { try PasswordPolicy(minimumCharacters: 20).check("only-sixteen-chr", username: "x") }
    }
}
