import Foundation
import GRDB
import WebProfilesDomain
import WebProfilesServer
import WebProfilesStore

/// Fills a new webprofiled database offline (the daemon not running), fast, with rows the
/// daemon accepts exactly as if they had been created through its API.
///
/// The database is created by ``ProfileStore/open(path:onAudit:)``, so the migrations and the
/// connection pragmas are the daemon's. Rows are written with prepared, cached INSERTs, one
/// transaction per batch (no per-row commit, hence no per-row fsync), in four phases:
/// companies, lines, registrations, sessions (the order the foreign keys need). What each row
/// is comes from ``SeedPlan``; its values from ``SyntheticData``.
///
/// What the daemon would have done, and seeding reproduces:
/// - company: a random lowercase UUID (``ProfileStore/newPublicID()``), a valid VAT number, the
///   legal representative's name, fiscal code and e-mail copied from that registration, and
///   `legalRepRegistrationId` naming it;
/// - registration: canonical username, display name and e-mail as the services validate them;
///   a line only for deviceUser and user, always a mobile line of the own company held by no
///   other registration; a referent only for adminLight; active registrations carry the one
///   shared Argon2id hash made by ``PasswordHasher`` (so `Session/Login` works with the
///   password), pending ones an outstanding activation code hash and expiry and no password,
///   revoked ones neither code nor sessions; `failedAttempts` 0, never locked;
/// - session: a token from ``Secrets/newSessionToken()`` stored only as ``Secrets/sha256Hex(_:)``,
///   created within the last hour, expiring a session lifetime later, last seen at the end of
///   the run; its registration's `lastLoginAt` and `updatedAt` are the session's creation time.
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
                                 "legalRepRegistrationId", "createdAt", "updatedAt"]
    static let lineColumns = ["msisdn", "companyId", "kind"]
    static let registrationColumns = ["id", "companyId", "username", "displayName", "email", "profile", "referent", "line",
                                      "status", "passwordHash", "activationCodeHash", "activationExpiresAt", "failedAttempts",
                                      "lockedUntil", "createdAt", "updatedAt", "lastLoginAt"]
    static let sessionColumns = ["id", "registrationId", "tokenHash", "createdAt", "expiresAt", "lastSeenAt"]

    private static var tables: [(name: String, columns: [String])] {
        [(CompanyRecord.databaseTableName, companyColumns), (LineRecord.databaseTableName, lineColumns),
         (RegistrationRecord.databaseTableName, registrationColumns), (SessionRecord.databaseTableName, sessionColumns)]
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

    // MARK: Run

    /// Seeds the database and checks the result through the store's own reads.
    func run() async throws -> SeedResult {
        let clock = ContinuousClock()
        let started = clock.now
        let plan = SeedPlan(companies: options.companies, registrations: options.registrations, sessions: options.sessions)

        progress.note("hashing the password once (Argon2id \(Argon2Parameters.owasp))")
        let passwordHash = try await Self.hashPassword(options.password)

        progress.note("creating \(options.databasePath)")
        let store = try ProfileStore.open(path: options.databasePath)
        let writer = store.writer
        try await writer.writeWithoutTransaction { db in
            // Per connection, not stored in the file: the daemon's connections keep their defaults.
            try db.execute(sql: "PRAGMA cache_size = -524288")
            try Self.checkSchema(db)
        }

        let timestamps = SeedTimestamps(now: Date(), sessionLifetime: options.sessionLifetime,
                                        activationValidity: options.activationValidity)
        let companyIDs = (0..<plan.companies).map { _ in ProfileStore.newPublicID() }
        let representativeIDs = (0..<plan.companies).map { _ in ProfileStore.newPublicID() }
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
        try await verify(store: store, plan: plan, sample: sample, passwordHash: passwordHash)
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

    /// One real Argon2id hash of `password` with the daemon's default parameters, verified.
    private static func hashPassword(_ password: String) async throws -> String {
        let hasher = try PasswordHasher(parameters: .owasp, threads: 1)
        do {
            let hash = try await hasher.hash(password)
            guard try await hasher.verify(password, encoded: hash) else { throw SeedError("the password hash does not verify") }
            try await hasher.shutdown()
            return hash
        } catch {
            try? await hasher.shutdown()
            throw error
        }
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
        let sql = Self.insertSQL(CompanyRecord.databaseTableName, Self.companyColumns)
        return try await batches("companies", total: plan.companies, writer: writer) { (db: Database, range: Range<Int>) -> Void in
            let insert = try db.cachedStatement(sql: sql)
            for company in range {
                // The legal representative's data, exactly as its registration row will hold it.
                let representative = plan.firstRegistration(ofCompany: company)
                let person = SyntheticData.person(representative)
                let created = timestamps.days[plan.companyDay(company)]
                let arguments: [(any DatabaseValueConvertible)?] = [
                    companyIDs[company],
                    try SyntheticData.companyName(company),
                    try SyntheticData.vatNumber(company),
                    try SyntheticData.displayName(person),
                    try SyntheticData.fiscalCode(person),
                    try SyntheticData.email(person, index: representative, company: company),
                    representativeIDs[company],
                    created,
                    created,
                ]
                try insert.execute(arguments: StatementArguments(arguments))
            }
        }.seconds
    }

    private func insertLines(plan: SeedPlan, companyIDs: [String], writer: any DatabaseWriter) async throws -> Double {
        let sql = Self.insertSQL(LineRecord.databaseTableName, Self.lineColumns)
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
        var registrationID: String
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
        let sql = Self.insertSQL(RegistrationRecord.databaseTableName, Self.registrationColumns)
        let (outcomes, seconds) = try await self.batches("registrations", total: plan.registrations, writer: writer) { (db: Database, range: Range<Int>) -> Registrations in
            let insert = try db.cachedStatement(sql: sql)
            var batch = Registrations()
            for index in range {
                let slot = plan.slot(ofRegistration: index)
                let person = SyntheticData.person(index)
                let id = slot.position == 0 ? representativeIDs[slot.company] : ProfileStore.newPublicID()
                let companyID = companyIDs[slot.company]
                let username = try SyntheticData.username(person, index: index)
                let line = try slot.mobileLine.map { try SyntheticData.mobileLine($0) }
                var referent: String?
                if slot.profile.allowsReferent { referent = try SyntheticData.referent(index) }

                let created = timestamps.days[slot.day]
                var updated = created
                var lastLogin: DatabaseValue?
                var storedPasswordHash: String? = passwordHash
                var activationCodeHash: String?
                var activationExpiry: DatabaseValue?
                var holderIndex: Int?
                switch slot.status {
                case .active:
                    if slot.hasSession {
                        // Logged in within the last hour: the login wrote lastLoginAt and updatedAt.
                        let sessionSlot = SeedTimestamps.sessionSlot(ofRegistration: index)
                        let login = timestamps.sessionCreated[sessionSlot]
                        lastLogin = login
                        updated = login
                        holderIndex = batch.holders.count
                        batch.holders.append(SessionHolder(registrationID: id, slot: sessionSlot))
                    } else if SyntheticData.pick(index, .loggedIn, below: 3) != 0 {
                        let login = timestamps.days[slot.day / 2]
                        lastLogin = login
                        updated = login
                    } else {
                        updated = timestamps.days[slot.day * 3 / 4]  // activated, never logged in
                    }
                case .pendingActivation:
                    // Registered, activation code outstanding (random, never shown), no password yet.
                    storedPasswordHash = nil
                    activationCodeHash = Secrets.sha256Hex(Secrets.newActivationCode())
                    activationExpiry = timestamps.activationExpiries[slot.day]
                case .revoked:
                    // Revocation clears the activation code and the sessions, keeps hash and line.
                    updated = timestamps.days[slot.day / 2]
                }

                let arguments: [(any DatabaseValueConvertible)?] = [
                    id, companyID, username,
                    try SyntheticData.displayName(person),
                    try SyntheticData.email(person, index: index, company: slot.company),
                    slot.profile.rawValue, referent, line, slot.status.rawValue,
                    storedPasswordHash, activationCodeHash, activationExpiry,
                    0, nil,  // failedAttempts, lockedUntil
                    created, updated, lastLogin,
                ]
                try insert.execute(arguments: StatementArguments(arguments))

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
        let sql = Self.insertSQL(SessionRecord.databaseTableName, Self.sessionColumns)
        // Every session was just used, as if its holder were active right now.
        let lastSeen = Date().databaseValue
        let (outcomes, seconds) = try await batches("sessions", total: holders.count, writer: writer) { (db: Database, range: Range<Int>) -> [Int: String] in
            let insert = try db.cachedStatement(sql: sql)
            var keptTokens: [Int: String] = [:]
            for index in range {
                let holder = holders[index]
                let token = Secrets.newSessionToken()
                guard Secrets.looksLikeSessionToken(token) else { throw SeedError("Secrets.newSessionToken() made a malformed token") }
                let arguments: [(any DatabaseValueConvertible)?] = [
                    ProfileStore.newPublicID(), holder.registrationID, Secrets.sha256Hex(token),
                    timestamps.sessionCreated[holder.slot], timestamps.sessionExpires[holder.slot], lastSeen,
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

    /// Reads the result back through the store's own API, as the daemon will: the counts, and
    /// that the sample can log in and is allowed ``samplePermission`` on its line.
    private func verify(store: ProfileStore, plan: SeedPlan, sample: SeedResult.Sample, passwordHash: String) async throws {
        let counts = try await store.counts()
        guard counts.companies == plan.companies, counts.registrations == plan.registrations,
              counts.activeRegistrations == plan.activeRegistrations, counts.sessions == plan.sessions
        else {
            throw SeedError("the database holds \(counts.companies) companies, \(counts.registrations) registrations "
                            + "(\(counts.activeRegistrations) active) and \(counts.sessions) sessions; expected \(plan.companies), "
                            + "\(plan.registrations) (\(plan.activeRegistrations)) and \(plan.sessions)")
        }
        let now = Date()
        guard let registration = try await store.registration(username: try Username(sample.username)),
              registration.id == sample.registrationId, registration.status == .active, !registration.isLocked(at: now),
              registration.passwordHash == passwordHash
        else { throw SeedError("the sample registration \(sample.username) cannot log in") }
        guard let company = try await store.company(id: registration.companyId),
              company.lines.contains(where: { $0.msisdn == sample.line })
        else { throw SeedError("the sample line \(sample.line) is not a line of the sample's company") }
        let line = try MSISDN(sample.line)
        let kinds = try await store.lineKinds(companyID: registration.companyId)
        let decision = AuthorizationDecision.decide(permission: Self.samplePermission, profile: registration.profile,
                                                    ownLine: registration.line, line: line.value, companyLineKind: kinds[line.value])
        guard decision.allowed else {
            throw SeedError("\(Self.samplePermission) on \(sample.line) is refused to the sample: \(decision.reason)")
        }
        if let token = sample.token {
            guard let session = try await store.session(tokenHash: Secrets.sha256Hex(token)),
                  session.registrationId == registration.id, session.expiresAt > now
            else { throw SeedError("the sample session is not live") }
        } else if plan.sessions > 0 {
            throw SeedError("no token was kept for the sample")
        }
        if let token = sample.adminToken {
            guard let session = try await store.session(tokenHash: Secrets.sha256Hex(token)), session.expiresAt > now,
                  let admin = try await store.registration(id: session.registrationId), admin.id == sample.adminRegistrationId,
                  admin.status == .active, PermissionTable.grant(Self.adminPermission, to: admin.profile) != .denied
            else { throw SeedError("the sample admin session is not live or does not hold \(Self.adminPermission)") }
        }
    }

    /// The size of the file at `path` in bytes (0 if it cannot be read).
    private static func fileSize(_ path: String) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
