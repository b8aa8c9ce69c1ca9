import BenchmarkSupport
import Foundation
import GRDB
import WebProfilesDomain

/// Fills a new webprofiled database offline (the daemon not running), fast, with rows the
/// daemon accepts exactly as if they had been created through its API.
///
/// The database is created by ``DaemonDatabase/create(path:busyTimeout:)``: the daemon's own
/// migrations (copied in ``DaemonSchema``, the same identifiers recorded in `grdb_migrations`),
/// so a daemon opening the file finds its schema complete. Rows are written with prepared,
/// cached INSERTs, one transaction per batch (no per-row commit, hence no per-row fsync), in
/// four phases: companies, lines, registrations (an account and its one membership each),
/// sessions (the order the foreign keys need). What each row is comes from ``SeedPlan``; its
/// values from ``SyntheticData``.
///
/// What the daemon would have done (Sources/WebProfilesStore/ProfileStore+Companies.swift,
/// +Registrations.swift, +Logins.swift), and seeding reproduces:
/// - company: a random lowercase UUID, a valid VAT number, the legal representative's name,
///   fiscal code and e-mail copied from that registration, `legalRepRegistrationId` naming its
///   membership, no referent types, `searchText` = `SearchText.key(name)`;
/// - registration: one account and one membership with the same id (as the daemon enrols a new
///   username); the account holds the canonical username, display name, e-mail, the fiscal code
///   for legal representatives, the password hash and the login times; the membership holds the
///   company, display name, e-mail, profile, referent (adminLight only), line (deviceUser and user
///   only, always a mobile line of the own company held by no other registration), status, the
///   outstanding activation code of pending ones, `invited` false and `searchText` =
///   `SearchText.key(username, displayName, email)`. Active and revoked accounts carry the one
///   shared Argon2id hash of the password in NFKC (``PasswordPolicy/normalized(_:)``, what the
///   daemon hashes and verifies), so `Session/Login` works with the password; pending ones have
///   no password; `failedAttempts` 0, never locked, no second factor;
/// - session: a token of the daemon's shape (``DaemonSecrets/newSessionToken()``) stored only as
///   ``DaemonSecrets/sha256Hex(_:)``, created within the last hour, expiring a session lifetime
///   later, last seen at the end of the run, no company selected (each account has one), no
///   required action; the account's `lastLoginAt` and `updatedAt` are the session's creation time.
///
/// Audit: the daemon writes `companyCreated`, `registered`, `activated`, `linesChanged` and
/// `login` events in the same transactions as these rows. Seeding skips them on purpose (the
/// `auditEvent` table stays empty): nothing in the daemon reads audit events back to decide
/// anything, and millions of synthetic events would only inflate the file and the run time.
struct Seeder: Sendable {
    /// What to seed.
    struct Options: Sendable {
        var databasePath: String
        var companies: Int
        var registrations: Int
        var sessions: Int
        var password: String
        /// Rows per transaction.
        var batchSize: Int
        /// Seconds from a session's creation to its absolute end.
        var sessionLifetime: TimeInterval
        /// Seconds an activation code of a pending registration stays valid.
        var activationValidity: TimeInterval
        /// Where to write every session's token, one per line (for loads that use them all).
        var tokensFile: String?
    }

    let options: Options
    let progress = SeedProgress()

    /// The permission the sample's session is allowed on its line (see ``PermissionTable``:
    /// `line.manage` reaches any company line for legal representatives and adminFull, mobile
    /// lines for adminLight, and the own line for deviceUser and user).
    static let samplePermission = Permission.lineManage
    /// The permission the sample admin's session holds (`Profiles/ListRegistrations` needs it).
    static let adminPermission = Permission.usersView

    // MARK: Schema

    /// Column lists of the INSERTs. They must be exactly the columns of the tables (checked
    /// against the migrated database before writing, so a new migration fails loudly here).
    static let companyColumns = ["id", "name", "vatNumber", "legalRepFullName", "legalRepFiscalCode", "legalRepEmail",
                                 "legalRepRegistrationId", "referentTypes", "searchText", "createdAt", "updatedAt"]
    static let lineColumns = ["msisdn", "companyId", "kind"]
    static let accountColumns = ["id", "username", "displayName", "email", "fiscalCode", "passwordHash", "failedAttempts",
                                 "lastFailedAttemptAt", "lockedUntil", "totpSecret", "totpEnabled", "totpLastStep",
                                 "createdAt", "updatedAt", "lastLoginAt"]
    static let membershipColumns = ["id", "accountId", "companyId", "displayName", "email", "profile", "referent", "line", "status",
                                    "invited", "activationCodeHash", "activationExpiresAt", "searchText", "createdAt", "updatedAt"]
    static let sessionColumns = ["id", "accountId", "tokenHash", "createdAt", "expiresAt", "lastSeenAt", "selectedCompanyId",
                                 "clientAddress", "userAgent", "requiredAction"]

    private static var tables: [(name: String, columns: [String])] {
        [("company", companyColumns), ("line", lineColumns), ("account", accountColumns), ("membership", membershipColumns),
         ("session", sessionColumns)]
    }

    private static func checkSchema(_ db: Database) throws {
        for table in tables {
            let actual = try db.columns(in: table.name).map(\.name)
            guard Set(actual) == Set(table.columns) else {
                throw SeedError("table \(table.name) has columns \(actual.sorted()), webprofiles-seed writes \(table.columns.sorted()): "
                                + "update the seeder for the new schema")
            }
        }
    }

    private static func insertSQL(_ table: String, _ columns: [String]) -> String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    /// A new random identifier, as the daemon makes them (lowercase UUID).
    static func newID() -> String { UUID().uuidString.lowercased() }

    // MARK: Run

    /// Seeds the database and checks the result by reading it back as the daemon reads it.
    func run() async throws -> SeedResult {
        let clock = ContinuousClock()
        let started = clock.now
        let plan = SeedPlan(companies: options.companies, registrations: options.registrations, sessions: options.sessions)

        progress.note("hashing the password once (Argon2id \(Argon2Parameters.owasp))")
        let passwordHash = try await Self.hashPassword(options.password)

        progress.note("creating \(options.databasePath)")
        let writer = try DaemonDatabase.create(path: options.databasePath)
        try await writer.writeWithoutTransaction { db in
            // Per connection, not stored in the file: the daemon's connections keep their defaults.
            try db.execute(sql: "PRAGMA cache_size = -524288")
            try Self.checkSchema(db)
        }

        let timestamps = SeedTimestamps(now: Date(), sessionLifetime: options.sessionLifetime,
                                        activationValidity: options.activationValidity)
        let companyIDs = (0..<plan.companies).map { _ in Self.newID() }
        let representativeIDs = (0..<plan.companies).map { _ in Self.newID() }
        var phaseSeconds: [String: Double] = [:]

        phaseSeconds["companies"] = try await insertCompanies(plan: plan, companyIDs: companyIDs, representativeIDs: representativeIDs,
                                                              timestamps: timestamps, writer: writer)
        phaseSeconds["lines"] = try await insertLines(plan: plan, companyIDs: companyIDs, writer: writer)
        let (registrations, registrationSeconds) = try await insertRegistrations(
            plan: plan, companyIDs: companyIDs, representativeIDs: representativeIDs, passwordHash: passwordHash,
            timestamps: timestamps, writer: writer
        )
        phaseSeconds["registrations"] = registrationSeconds
        guard registrations.statuses[.pendingActivation, default: 0] == plan.pendingRegistrations,
              registrations.statuses[.revoked, default: 0] == plan.revokedRegistrations,
              registrations.holders.count == plan.sessions
        else { throw SeedError("the registrations written do not match the plan (statuses \(registrations.statuses), \(registrations.holders.count) session holders)") }
        let sampled = registrations.sample
        let admin = registrations.admin
        let (tokens, sessionSeconds) = try await insertSessions(registrations.holders,
                                                                keepingTokensOf: [sampled.holderIndex, admin?.holderIndex].compactMap { $0 },
                                                                timestamps: timestamps, writer: writer)
        phaseSeconds["sessions"] = sessionSeconds

        _ = try await writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        let sample = SeedResult.Sample(
            token: sampled.holderIndex.flatMap { tokens[$0] }, registrationId: sampled.registrationID, companyId: sampled.companyID,
            username: sampled.username, profile: sampled.profile.rawValue,
            permission: Self.samplePermission.rawValue, line: sampled.line, password: options.password,
            adminToken: admin?.holderIndex.flatMap { tokens[$0] }, adminRegistrationId: admin?.registrationID,
            adminUsername: admin?.username, adminProfile: admin?.profile.rawValue
        )
        try await verify(database: writer, plan: plan, sample: sample, passwordHash: passwordHash)
        try writer.close()

        return SeedResult(
            database: options.databasePath,
            companies: plan.companies,
            lines: plan.lines,
            registrations: plan.registrations,
            activeRegistrations: registrations.statuses[.active, default: 0],
            pendingRegistrations: registrations.statuses[.pendingActivation, default: 0],
            revokedRegistrations: registrations.statuses[.revoked, default: 0],
            profiles: Dictionary(uniqueKeysWithValues: Profile.allCases.map { ($0.rawValue, registrations.profiles[$0, default: 0]) }),
            sessions: registrations.holders.count,
            seconds: (clock.now - started).inSeconds,
            phaseSeconds: phaseSeconds,
            databaseBytes: Self.fileSize(options.databasePath),
            sample: sample
        )
    }

    /// One real Argon2id hash of `password` in NFKC (the form the daemon hashes and verifies)
    /// with the daemon's default parameters, verified.
    private static func hashPassword(_ password: String) async throws -> String {
        let normalized = PasswordPolicy.normalized(password)
        let hash = try Argon2.hash(normalized, parameters: .owasp)
        guard Argon2.verify(normalized, encoded: hash) else { throw SeedError("the password hash does not verify") }
        return hash
    }

    /// Runs `body` over `0..<total` in ranges of at most ``Options/batchSize``, one write
    /// transaction each, and reports every batch. Returns the batches' outcomes and the seconds taken.
    private func batches<Outcome: Sendable>(
        _ phase: String, total: Int, writer: any DatabaseWriter,
        _ body: @escaping @Sendable (Database, Range<Int>) throws -> Outcome
    ) async throws -> (outcomes: [Outcome], seconds: Double) {
        let clock = ContinuousClock()
        let phaseStart = clock.now
        var outcomes: [Outcome] = []
        var start = 0
        while start < total {
            let range = start..<min(start + options.batchSize, total)
            let batchStart = clock.now
            outcomes.append(try await writer.write { db in try body(db, range) })
            let now = clock.now
            progress.batch(phase, done: range.upperBound, total: total, batchRows: range.count,
                           batchSeconds: (now - batchStart).inSeconds, phaseSeconds: (now - phaseStart).inSeconds)
            start = range.upperBound
        }
        let seconds = (clock.now - phaseStart).inSeconds
        progress.finished(phase, rows: total, seconds: seconds)
        return (outcomes, seconds)
    }

    // MARK: Phases

    private func insertCompanies(plan: SeedPlan, companyIDs: [String], representativeIDs: [String],
                                 timestamps: SeedTimestamps, writer: any DatabaseWriter) async throws -> Double {
        let sql = Self.insertSQL("company", Self.companyColumns)
        return try await batches("companies", total: plan.companies, writer: writer) { (db: Database, range: Range<Int>) -> Void in
            let insert = try db.cachedStatement(sql: sql)
            for company in range {
                // The legal representative's data, exactly as its registration row will hold it.
                let representative = plan.firstRegistration(ofCompany: company)
                let person = SyntheticData.person(representative)
                let created = timestamps.days[plan.companyDay(company)]
                let name = try SyntheticData.companyName(company)
                let arguments: [(any DatabaseValueConvertible)?] = [
                    companyIDs[company],
                    name,
                    try SyntheticData.vatNumber(company),
                    try SyntheticData.displayName(person),
                    try SyntheticData.fiscalCode(person),
                    try SyntheticData.email(person, index: representative, company: company),
                    representativeIDs[company],
                    nil,  // referentTypes: the contract names none, so any referent is accepted
                    SearchText.key(name),
                    created,
                    created,
                ]
                try insert.execute(arguments: StatementArguments(arguments))
            }
        }.seconds
    }

    private func insertLines(plan: SeedPlan, companyIDs: [String], writer: any DatabaseWriter) async throws -> Double {
        let sql = Self.insertSQL("line", Self.lineColumns)
        return try await batches("lines", total: plan.lines, writer: writer) { (db: Database, range: Range<Int>) -> Void in
            let insert = try db.cachedStatement(sql: sql)
            for index in range {
                let arguments: [(any DatabaseValueConvertible)?]
                if index < plan.mobileLines {
                    arguments = [try SyntheticData.mobileLine(index), companyIDs[plan.company(ofMobileLine: index)], LineKind.mobile.rawValue]
                } else {
                    let fixed = index - plan.mobileLines
                    arguments = [try SyntheticData.fixedLine(fixed), companyIDs[plan.company(ofFixedLine: fixed)], LineKind.fixed.rawValue]
                }
                try insert.execute(arguments: StatementArguments(arguments))
            }
        }.seconds
    }

    /// A registration with a live session to create.
    private struct SessionHolder: Sendable {
        /// Its account (the same id as its membership).
        var accountID: String
        /// See ``SeedTimestamps/sessionSlot(ofRegistration:)``.
        var slot: Int
    }

    /// A registration the result can show as its sample.
    private struct SampleCandidate: Sendable {
        var registrationID: String
        var companyID: String
        var username: String
        var profile: Profile
        /// Its own line, else its company's first mobile line.
        var line: String
        /// Its index among all session holders, if it holds a session.
        var holderIndex: Int?
    }

    /// What the registration phase (or one batch of it) produced.
    private struct Registrations: Sendable {
        var holders: [SessionHolder] = []
        var profiles: [Profile: Int] = [:]
        var statuses: [RegistrationStatus: Int] = [:]
        /// In order of preference: a session holder with a line (deviceUser or user), any
        /// session holder, an active registration with a line, any active registration.
        var candidates: [SampleCandidate?] = [nil, nil, nil, nil]

        /// The first session holder whose profile holds ``Seeder/adminPermission``.
        var admin: SampleCandidate?

        /// The preferred candidate; registration 0 (a legal representative, active) always is one.
        var sample: SampleCandidate { candidates.compactMap { $0 }.first! }

        /// `candidate` with its holder index moved by `offset`.
        private static func shifted(_ candidate: SampleCandidate?, by offset: Int) -> SampleCandidate? {
            candidate.map { candidate in
                var candidate = candidate
                candidate.holderIndex = candidate.holderIndex.map { $0 + offset }
                return candidate
            }
        }

        /// Appends a later batch.
        mutating func append(_ batch: Registrations) {
            let offset = holders.count
            holders += batch.holders
            profiles.merge(batch.profiles, uniquingKeysWith: +)
            statuses.merge(batch.statuses, uniquingKeysWith: +)
            for rank in candidates.indices where candidates[rank] == nil {
                candidates[rank] = Self.shifted(batch.candidates[rank], by: offset)
            }
            if admin == nil { admin = Self.shifted(batch.admin, by: offset) }
        }
    }

    private func insertRegistrations(plan: SeedPlan, companyIDs: [String], representativeIDs: [String], passwordHash: String,
                                     timestamps: SeedTimestamps, writer: any DatabaseWriter) async throws -> (Registrations, Double) {
        let accountSQL = Self.insertSQL("account", Self.accountColumns)
        let membershipSQL = Self.insertSQL("membership", Self.membershipColumns)
        let (outcomes, seconds) = try await self.batches("registrations", total: plan.registrations, writer: writer) { (db: Database, range: Range<Int>) -> Registrations in
            let insertAccount = try db.cachedStatement(sql: accountSQL)
            let insertMembership = try db.cachedStatement(sql: membershipSQL)
            var batch = Registrations()
            for index in range {
                let slot = plan.slot(ofRegistration: index)
                let person = SyntheticData.person(index)
                // A new username gets a new account with the membership's id (as the daemon enrols it).
                let id = slot.position == 0 ? representativeIDs[slot.company] : Self.newID()
                let companyID = companyIDs[slot.company]
                let username = try SyntheticData.username(person, index: index)
                let displayName = try SyntheticData.displayName(person)
                let email = try SyntheticData.email(person, index: index, company: slot.company)
                // Legal representatives' accounts carry their fiscal code (the desk finds them by it).
                let fiscalCode: String? = try slot.position == 0 ? SyntheticData.fiscalCode(person) : nil
                let line = try slot.mobileLine.map { try SyntheticData.mobileLine($0) }
                var referent: String?
                if slot.profile.allowsReferent { referent = try SyntheticData.referent(index) }

                let created = timestamps.days[slot.day]
                // Activation (membership active, password set) wrote both rows' updatedAt; a login
                // writes the account's lastLoginAt and updatedAt; a revocation the membership's.
                let activated = timestamps.days[slot.day * 3 / 4]
                var accountUpdated = created
                var membershipUpdated = created
                var lastLogin: DatabaseValue?
                var storedPasswordHash: String? = passwordHash
                var activationCodeHash: String?
                var activationExpiry: DatabaseValue?
                var holderIndex: Int?
                switch slot.status {
                case .active:
                    membershipUpdated = activated
                    accountUpdated = activated  // activated, never logged in, unless below
                    if slot.hasSession {
                        // Logged in within the last hour.
                        let sessionSlot = SeedTimestamps.sessionSlot(ofRegistration: index)
                        let login = timestamps.sessionCreated[sessionSlot]
                        lastLogin = login
                        accountUpdated = login
                        holderIndex = batch.holders.count
                        batch.holders.append(SessionHolder(accountID: id, slot: sessionSlot))
                    } else if SyntheticData.pick(index, .loggedIn, below: 3) != 0 {
                        let login = timestamps.days[slot.day / 2]
                        lastLogin = login
                        accountUpdated = login
                    }
                case .pendingActivation:
                    // Registered, activation code outstanding (random, never shown), no password yet.
                    storedPasswordHash = nil
                    activationCodeHash = DaemonSecrets.sha256Hex(DaemonSecrets.newActivationCode())
                    activationExpiry = timestamps.activationExpiries[slot.day]
                case .revoked:
                    // Activated once, then revoked: revocation clears the activation code and the
                    // sessions, keeps the account's hash and the membership's line.
                    accountUpdated = activated
                    membershipUpdated = timestamps.days[slot.day / 2]
                }

                let account: [(any DatabaseValueConvertible)?] = [
                    id, username, displayName, email, fiscalCode, storedPasswordHash,
                    0, nil, nil,  // failedAttempts, lastFailedAttemptAt, lockedUntil
                    nil, false, nil,  // totpSecret, totpEnabled, totpLastStep
                    created, accountUpdated, lastLogin,
                ]
                try insertAccount.execute(arguments: StatementArguments(account))
                let membership: [(any DatabaseValueConvertible)?] = [
                    id, id, companyID, displayName, email, slot.profile.rawValue, referent, line, slot.status.rawValue,
                    false, activationCodeHash, activationExpiry,  // invited, activationCodeHash, activationExpiresAt
                    SearchText.key(username, displayName, email),
                    created, membershipUpdated,
                ]
                try insertMembership.execute(arguments: StatementArguments(membership))

                batch.profiles[slot.profile, default: 0] += 1
                batch.statuses[slot.status, default: 0] += 1
                if slot.status == .active {
                    let rank = (holderIndex != nil ? 0 : 2) + (line != nil ? 0 : 1)
                    let isAdmin = holderIndex != nil && batch.admin == nil
                        && PermissionTable.grant(Seeder.adminPermission, to: slot.profile) != .denied
                    if batch.candidates[rank] == nil || isAdmin {
                        let candidate = SampleCandidate(
                            registrationID: id, companyID: companyID, username: username, profile: slot.profile,
                            line: try line ?? SyntheticData.mobileLine(plan.firstMobileLine(ofCompany: slot.company)),
                            holderIndex: holderIndex
                        )
                        if batch.candidates[rank] == nil { batch.candidates[rank] = candidate }
                        if isAdmin { batch.admin = candidate }
                    }
                }
            }
            return batch
        }
        var all = Registrations()
        for batch in outcomes { all.append(batch) }
        return (all, seconds)
    }

    /// Inserts one live session per holder; returns the tokens of the holders at `kept` (by index).
    private func insertSessions(_ holders: [SessionHolder], keepingTokensOf keptIndices: [Int], timestamps: SeedTimestamps,
                                writer: any DatabaseWriter) async throws -> ([Int: String], Double) {
        let kept = Set(keptIndices)
        let keepAll = options.tokensFile != nil
        let sql = Self.insertSQL("session", Self.sessionColumns)
        // Every session was just used, as if its holder were active right now.
        let lastSeen = Date().databaseValue
        let (outcomes, seconds) = try await batches("sessions", total: holders.count, writer: writer) { (db: Database, range: Range<Int>) -> [Int: String] in
            let insert = try db.cachedStatement(sql: sql)
            var keptTokens: [Int: String] = [:]
            for index in range {
                let holder = holders[index]
                let token = DaemonSecrets.newSessionToken()
                guard DaemonSecrets.looksLikeSessionToken(token) else { throw SeedError("DaemonSecrets.newSessionToken() made a malformed token") }
                let arguments: [(any DatabaseValueConvertible)?] = [
                    Self.newID(), holder.accountID, DaemonSecrets.sha256Hex(token),
                    timestamps.sessionCreated[holder.slot], timestamps.sessionExpires[holder.slot], lastSeen,
                    nil, nil, nil, nil,  // selectedCompanyId (one company each), clientAddress, userAgent, requiredAction
                ]
                try insert.execute(arguments: StatementArguments(arguments))
                if keepAll || kept.contains(index) { keptTokens[index] = token }
            }
            return keptTokens
        }
        var tokens: [Int: String] = [:]
        for batch in outcomes { tokens.merge(batch) { first, _ in first } }
        if let path = options.tokensFile {
            // In session order; the file is as secret as the sessions, hence mode 0600.
            let text = tokens.keys.sorted().map { tokens[$0]! }.joined(separator: "\n") + "\n"
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw SeedError("cannot write the tokens file \(path)")
            }
        }
        return (tokens, seconds)
    }

    // MARK: Checks

    /// Reads the result back as the daemon's store reads it (the same joins over account,
    /// membership, company, line and session): the counts, and that the sample can log in
    /// (active, unlocked, its password verifies against the stored hash) and is allowed
    /// ``samplePermission`` on its line, and that the kept sessions are live.
    private func verify(database: any DatabaseReader, plan: SeedPlan, sample: SeedResult.Sample, passwordHash: String) async throws {
        let password = PasswordPolicy.normalized(options.password)
        try await database.read { (db: Database) -> Void in
            let companies = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM company") ?? 0
            let registrations = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM membership") ?? 0
            let active = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM membership WHERE status = 'active'") ?? 0
            let sessions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM session") ?? 0
            guard companies == plan.companies, registrations == plan.registrations, active == plan.activeRegistrations,
                  sessions == plan.sessions
            else {
                throw SeedError("the database holds \(companies) companies, \(registrations) registrations "
                                + "(\(active) active) and \(sessions) sessions; expected \(plan.companies), "
                                + "\(plan.registrations) (\(plan.activeRegistrations)) and \(plan.sessions)")
            }
            let now = Date()
            let username = try Username(sample.username).value
            guard let registration = try Row.fetchOne(db, sql: """
                    SELECT m.id, m.accountId, m.companyId, m.profile, m.line, m.status, a.passwordHash, a.lockedUntil
                    FROM membership m JOIN account a ON a.id = m.accountId WHERE a.username = ?
                    """, arguments: [username]),
                  registration["id"] as String? == sample.registrationId, registration["status"] as String? == RegistrationStatus.active.rawValue,
                  (registration["lockedUntil"] as Date?).map({ $0 <= now }) ?? true,
                  let storedHash = registration["passwordHash"] as String?, storedHash == passwordHash,
                  Argon2.verify(password, encoded: storedHash),
                  let profile = Profile(rawValue: registration["profile"] as String? ?? "")
            else { throw SeedError("the sample registration \(sample.username) cannot log in") }
            let accountID: String = registration["accountId"]
            let companyID: String = registration["companyId"]
            let line = try MSISDN(sample.line)
            guard let kindText = try String.fetchOne(db, sql: "SELECT kind FROM line WHERE msisdn = ? AND companyId = ?",
                                                     arguments: [line.value, companyID]),
                  let kind = LineKind(rawValue: kindText)
            else { throw SeedError("the sample line \(sample.line) is not a line of the sample's company") }
            let decision = AuthorizationDecision.decide(permission: Self.samplePermission, profile: profile,
                                                        ownLine: registration["line"], line: line.value, companyLineKind: kind)
            guard decision.allowed else {
                throw SeedError("\(Self.samplePermission) on \(sample.line) is refused to the sample: \(decision.reason)")
            }
            if let token = sample.token {
                guard let session = try Row.fetchOne(db, sql: "SELECT accountId, expiresAt FROM session WHERE tokenHash = ?",
                                                     arguments: [DaemonSecrets.sha256Hex(token)]),
                      session["accountId"] as String? == accountID, let expires = session["expiresAt"] as Date?, expires > now
                else { throw SeedError("the sample session is not live") }
            } else if plan.sessions > 0 {
                throw SeedError("no token was kept for the sample")
            }
            if let token = sample.adminToken {
                guard let admin = try Row.fetchOne(db, sql: """
                        SELECT m.id, m.profile, s.expiresAt FROM session s JOIN membership m ON m.accountId = s.accountId
                        WHERE s.tokenHash = ? AND m.status = 'active'
                        """, arguments: [DaemonSecrets.sha256Hex(token)]),
                      let expires = admin["expiresAt"] as Date?, expires > now, admin["id"] as String? == sample.adminRegistrationId,
                      let adminProfile = Profile(rawValue: admin["profile"] as String? ?? ""),
                      PermissionTable.grant(Self.adminPermission, to: adminProfile) != .denied
                else { throw SeedError("the sample admin session is not live or does not hold \(Self.adminPermission)") }
            }
        }
    }

    /// The size of the file at `path` in bytes (0 if it cannot be read).
    private static func fileSize(_ path: String) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
