import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
@testable import WebProfilesServer
import WebProfilesStore
import WebProfilesWire

/// New passwords as NIST SP 800-63B-4 asks: blocklist, context words, NFKC; refusals in words.
@Suite("Password rules")
struct PasswordRulesTests {
    func refusal(_ body: () async throws -> Void) async -> RPCError? {
        do { try await body(); return nil } catch let error as RPCError { return error } catch { return RPCError(code: .unknown, message: "\(error)") }
    }

    @Test func theCracklibDictionaryAndTheListFileRefuseCommonPasswords() throws {
        let list = NSTemporaryDirectory() + "wp-blocklist-\(UUID().uuidString.prefix(8)).txt"
        try "# our own additions\nForzaNapoli1926\n".write(toFile: list, atomically: true, encoding: .utf8)
        let blocklist = try CrackLibBlocklist(dictionary: CrackLibBlocklist.defaultDictionary, listFile: list)
        #expect(blocklist.listedCount == 1)
        #expect(blocklist.refusal(for: "password1234", username: "anna")?.contains("common password (\"password\")") == true)
        #expect(blocklist.refusal(for: "P@ssw0rd-2026!", username: "anna")?.contains("common password") == true)
        #expect(blocklist.refusal(for: "Sunflower2026!", username: "anna")?.contains("dictionary word (\"sunflower\")") == true)
        #expect(blocklist.refusal(for: "forzanapoli1926", username: "anna")?.contains("common or leaked") == true)
        #expect(blocklist.refusal(for: "Correct-Horse-Battery-9", username: "anna") == nil)
        #expect(throws: CrackLibBlocklist.Error.self) { try CrackLibBlocklist(dictionary: "/nonexistent/dict", listFile: nil) }
    }

    @Test func contextWordsAndTheUsernameAreRefused() {
        let policy = PasswordPolicy()
        #expect(throws: ValidationError.self) { try policy.check("my-anna.bianchi-pass", username: "anna.bianchi") }
        do {
            try policy.check("Rossi-Azienda-2026!", username: "anna", contextWords: ["Rossi S.r.l.", "Anna Bianchi"])
            Issue.record("a company name was accepted")
        } catch {
            #expect(error.message.contains("\"rossi\""))
        }
        // Short words are not looked for (too many passwords would contain them).
        try? policy.check("Srl-Velvet-Orbit-7", username: "anna", contextWords: ["Rossi S.r.l."])
        #expect(throws: Never.self) { try policy.check("Velvet-Orbit-Lantern-7", username: "anna", contextWords: ["Rossi S.r.l.", "Anna Bianchi"]) }
        // Accents and case fold: "Élise" is in "elise".
        #expect(throws: ValidationError.self) { try policy.check("xx-elise-dupre-xx", username: "ed", contextWords: ["Élise Dupré"]) }
    }

    @Test func refusalsOverTheWireSayWhy() async throws {
        let daemon = try await InProcessDaemon()
        let op = daemon.operatorClient()
        let created = try await op.createCompany(CreateCompanyRequest(name: "Velvet Orbit S.r.l.", vatNumber: "01234567897", legalRepresentative: LegalRepresentativeRequest(
            fullName: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U", email: "m@rossi.example", username: "mario.rossi")))
        let api = daemon.apiClient()
        let common = await refusal { _ = try await api.activate(code: created.activationCode, password: "password1234") }
        #expect(common?.code == .invalidArgument && common?.message.contains("attackers try first") == true)
        let company = await refusal { _ = try await api.activate(code: created.activationCode, password: "Velvet-Orbit-Lantern-7") }
        #expect(company?.message.contains("\"orbit\"") == true)
        let name = await refusal { _ = try await api.activate(code: created.activationCode, password: "Rossi-Mario-Kettle-44") }
        #expect(name?.message.contains("part of your name") == true)
        // The refused code is still good.
        _ = try await api.activate(code: created.activationCode, password: InProcessDaemon.password)
        try await daemon.stop()
    }

    @Test func passwordsAreNormalisedAndOldUnnormalisedHashesAreUpgraded() async throws {
        let daemon = try await InProcessDaemon()
        let op = daemon.operatorClient()
        let created = try await op.createCompany(CreateCompanyRequest(name: "Rossi S.r.l.", vatNumber: "01234567897", legalRepresentative: LegalRepresentativeRequest(
            fullName: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U", email: "m@rossi.example", username: "mario.rossi")))
        // Set with full-width letters (another keyboard's input method), then typed in ASCII.
        let fullWidth = "Ｃｏｒｒｅｃｔ-Ｈｏｒｓｅ-Ｂａｔｔｅｒｙ-9"
        _ = try await daemon.apiClient().activate(code: created.activationCode, password: fullWidth)
        _ = try await daemon.apiClient().login(username: "mario.rossi", password: "Correct-Horse-Battery-9")
        _ = try await daemon.apiClient().login(username: "mario.rossi", password: fullWidth)
        // A hash made before passwords were normalised (of the full-width form as typed) still
        // verifies, once, and is remade from the normalised form.
        let store = daemon.daemon.accounts.store
        let account = try #require(try await store.account(username: try Username("mario.rossi")))
        let legacy = try PasswordHasher.hashNow(fullWidth, parameters: daemon.daemon.accounts.hasher.parameters)
        try await store.unsafeWrite { tx in try tx.execute("UPDATE account SET passwordHash = ? WHERE id = ?", [.text(legacy), .text(account.id)]) }
        #expect(await refusal { _ = try await daemon.apiClient().login(username: "mario.rossi", password: "Correct-Horse-Battery-9") }?.code == .unauthenticated)
        _ = try await daemon.apiClient().login(username: "mario.rossi", password: fullWidth)
        let upgraded = try #require(try await store.account(id: account.id)?.passwordHash)
        #expect(upgraded != legacy)
        _ = try await daemon.apiClient().login(username: "mario.rossi", password: "Correct-Horse-Battery-9")
        try await daemon.stop()
    }
}
