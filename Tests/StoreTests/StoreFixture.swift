import Foundation
import Testing
import WebProfilesDomain
import WebProfilesStore

/// A backend the store's conformance suite runs against. Every backend must pass the same
/// suite: the rules are written once, over ``StoreTransaction``.
struct StoreBackendKind: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable () async throws -> ProfileStore

    var testDescription: String { name }

    static let sqliteMemory = StoreBackendKind(name: "SQLite in memory") { try ProfileStore.inMemory() }
    static let sqliteFile = StoreBackendKind(name: "SQLite file") {
        ProfileStore.open(path: NSTemporaryDirectory() + "webprofiles-conformance-\(UUID().uuidString.prefix(8))/webprofiled.sqlite")
    }

    /// The backends this run tests.
    static var all: [StoreBackendKind] { [.sqliteMemory, .sqliteFile] + extraBackends }
}

/// A fresh store on one backend, with the helpers the suite's tests share.
struct StoreFixture {
    let store: ProfileStore
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init(_ kind: StoreBackendKind) async throws {
        store = try await kind.make()
    }

    func activation() -> ActivationSecret {
        ActivationSecret(codeHash: UUID().uuidString, expiresAt: now.addingTimeInterval(3600))
    }

    func rep(_ username: String, name: String = "Mario Rossi") throws -> LegalRepresentativeInput {
        LegalRepresentativeInput(fullName: name, fiscalCode: try FiscalCode("RSSMRA80A01H501U"), email: "m@r.it", username: try Username(username))
    }

    /// A company with an active legal representative, two mobile lines and a fixed one.
    func company(vat: String = "01234567897", rep username: String = "mario", name: String = "Rossi",
                 lines: [String] = ["+393330000001", "+393330000002", "+390600000001"]) async throws -> (company: String, rep: String) {
        let secret = activation()
        let (company, registration) = try await store.createCompany(name: name, vatNumber: try VATNumber(vat), legalRepresentative: try rep(username),
                                                                    activation: secret, actor: .system, now: now)
        if !registration.membership.invited {
            _ = try await store.activate(codeHash: secret.codeHash, passwordHash: "x", now: now)
        } else {
            _ = try await store.acceptInvitation(accountID: registration.accountId, sessionID: try await session(of: registration.accountId),
                                                 codeHash: secret.codeHash, now: now)
        }
        if !lines.isEmpty {
            _ = try await store.addLines(companyID: company.company.id, lines: try lines.map { try MSISDN($0) }, actor: .system, now: now)
        }
        return (company.company.id, registration.id)
    }

    /// A session of the account (made on first use, as a login would).
    func session(of accountID: String) async throws -> String {
        let id = "session-of-\(accountID)"
        let record = SessionRecord(id: id, accountId: accountID, tokenHash: "hash-\(id)", createdAt: now, expiresAt: now.addingTimeInterval(3600), lastSeenAt: now)
        try await store.unsafeWrite { tx in
            if try SessionRecord.fetchOne(tx, key: id) == nil { try record.insert(tx) }
        }
        return id
    }

    /// The session `registrationID` acts through.
    func actor(_ registrationID: String) async throws -> SessionActor {
        let registration = try #require(try await store.registration(id: registrationID))
        return SessionActor(accountID: registration.accountId, sessionID: try await session(of: registration.accountId), registrationID: registrationID)
    }

    @discardableResult
    func register(_ actor: String, _ username: String, _ profile: Profile, line: String? = nil, referent: String? = nil, activate: Bool = true,
                  displayName: String? = nil) async throws -> String {
        let secret = activation()
        let r = try await store.registerUser(actor: try await self.actor(actor), NewRegistration(
            username: try Username(username), displayName: displayName ?? username, email: "\(username)@r.it",
            profile: profile, line: try line.map { try MSISDN($0) }, referent: referent), activation: secret, now: now)
        if activate {
            if r.membership.invited {
                _ = try await store.acceptInvitation(accountID: r.accountId, sessionID: try await session(of: r.accountId), codeHash: secret.codeHash, now: now)
            } else {
                _ = try await store.activate(codeHash: secret.codeHash, passwordHash: "x", now: now)
            }
        }
        return r.id
    }

    func code(_ body: () async throws -> some Any) async -> StoreError.Code? {
        do { _ = try await body(); return nil } catch let error as StoreError { return error.code } catch { Issue.record("unexpected \(error)"); return nil }
    }

    func auditCount() async throws -> Int {
        try await store.unsafeRead { tx in try tx.count("SELECT COUNT(*) FROM auditEvent") }
    }

    func lastAuditEvent() async throws -> AuditEventRecord? {
        try await store.listAuditEvents(AuditFilter(), pageSize: 500, afterID: nil).items.last
    }

    func login(_ accountID: String, id: String, at time: Date? = nil, maxSessions: Int = 10, hash: String = "x") async throws -> LoginOutcome {
        let time = time ?? now
        let session = SessionRecord(id: id, accountId: accountID, tokenHash: "h-\(id)", createdAt: time, expiresAt: time.addingTimeInterval(3600), lastSeenAt: time)
        return try await store.recordLoginSuccess(LoginSuccess(session: session, verifiedPasswordHash: hash, maxSessions: maxSessions, now: time))
    }

    func account(ofRegistration id: String) async throws -> String {
        try #require(try await store.registration(id: id)).accountId
    }
}
