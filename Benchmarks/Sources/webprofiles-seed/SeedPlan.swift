import WebProfilesDomain

/// The deterministic layout of a seeded database: which company each registration belongs to,
/// its profile, line, status and whether it holds a live session, and which lines each company
/// owns. Every answer is an O(1) function of an index, so batches are plain index ranges.
///
/// - Registrations are spread evenly: each company gets `registrations / companies`, the first
///   `registrations % companies` one more. Global registration `g` is position `k` of its company.
/// - Position 0 of every company is its legal representative (exactly one per company, active,
///   named in the company row). Later positions cycle through ``profileCycle``: 5 % adminFull,
///   10 % adminLight, 25 % deviceUser and 60 % user.
/// - Each deviceUser and user holds its own mobile line of the company (distinct for every such
///   registration, whatever its status). A company owns those lines, 10 % spare mobile lines (at
///   least one) and one fixed line per 20 line holders plus one.
/// - About 10 % of the registrations other than legal representatives are inactive (3/5 pending
///   activation, 2/5 revoked), evenly spread; fewer when needed so that `sessions` active
///   registrations exist. Everyone else is active.
/// - `sessions` active registrations, picked by a fixed permutation of all active ones (so every
///   profile gets some), hold one live session.
struct SeedPlan: Sendable {
    let companies: Int
    let registrations: Int
    let sessions: Int

    /// Registrations of a small company; the first ``largerCompanies`` hold one more.
    let registrationsPerCompany: Int
    let largerCompanies: Int
    /// Registrations that are not a legal representative.
    let nonRepresentatives: Int
    let inactiveRegistrations: Int
    let activeRegistrations: Int
    let pendingRegistrations: Int
    let revokedRegistrations: Int

    private let smallMobileLines: Int
    private let largeMobileLines: Int
    private let smallFixedLines: Int
    private let largeFixedLines: Int
    let mobileLines: Int
    let fixedLines: Int

    /// Largest numbers accepted (distinct VAT numbers and line numbers; sanity).
    static let maximumRegistrations = 50_000_000

    /// The profiles of positions 1, 2, 3… of a company, repeating.
    static let profileCycle: [Profile] = [
        .adminFull, .adminLight, .user, .deviceUser, .user, .user, .deviceUser, .user, .user, .adminLight,
        .user, .deviceUser, .user, .user, .deviceUser, .user, .user, .deviceUser, .user, .user,
    ]
    /// `lineHoldersInCycle[i]`: line holders among the first `i` entries of the cycle.
    private static let lineHoldersInCycle: [Int] = profileCycle.reduce(into: [0]) { counts, profile in
        counts.append(counts.last! + (profile.requiresLine ? 1 : 0))
    }

    /// A layout; the counts must already be validated (`1 ≤ companies ≤ registrations`,
    /// `0 ≤ sessions ≤ registrations`).
    init(companies: Int, registrations: Int, sessions: Int) {
        precondition(companies >= 1 && registrations >= companies && (0...registrations).contains(sessions))
        self.companies = companies
        self.registrations = registrations
        self.sessions = sessions
        registrationsPerCompany = registrations / companies
        largerCompanies = registrations % companies
        nonRepresentatives = registrations - companies
        inactiveRegistrations = min(nonRepresentatives / 10, registrations - sessions)
        activeRegistrations = registrations - inactiveRegistrations
        pendingRegistrations = inactiveRegistrations / 5 * 3 + min(inactiveRegistrations % 5, 3)
        revokedRegistrations = inactiveRegistrations - pendingRegistrations

        let smallHolders = Self.lineHolders(before: registrationsPerCompany)
        let largeHolders = Self.lineHolders(before: registrationsPerCompany + 1)
        smallMobileLines = Self.mobileLines(holders: smallHolders)
        largeMobileLines = Self.mobileLines(holders: largeHolders)
        smallFixedLines = Self.fixedLines(holders: smallHolders)
        largeFixedLines = Self.fixedLines(holders: largeHolders)
        mobileLines = largerCompanies * largeMobileLines + (companies - largerCompanies) * smallMobileLines
        fixedLines = largerCompanies * largeFixedLines + (companies - largerCompanies) * smallFixedLines
    }

    var lines: Int { mobileLines + fixedLines }

    // MARK: Companies

    func registrationCount(ofCompany company: Int) -> Int {
        registrationsPerCompany + (company < largerCompanies ? 1 : 0)
    }

    /// The global index of the company's first registration (its legal representative).
    func firstRegistration(ofCompany company: Int) -> Int {
        company * registrationsPerCompany + min(company, largerCompanies)
    }

    func company(ofRegistration index: Int) -> Int {
        Self.bucket(of: index, large: largerCompanies, largeSize: registrationsPerCompany + 1, smallSize: registrationsPerCompany)
    }

    /// Days before now the company was created (one to two years).
    func companyDay(_ company: Int) -> Int {
        365 + SyntheticData.pick(company, .companyDay, below: 365)
    }

    // MARK: Lines

    /// The global index of the company's first mobile line.
    func firstMobileLine(ofCompany company: Int) -> Int {
        min(company, largerCompanies) * largeMobileLines + max(0, company - largerCompanies) * smallMobileLines
    }

    func company(ofMobileLine index: Int) -> Int {
        Self.bucket(of: index, large: largerCompanies, largeSize: largeMobileLines, smallSize: smallMobileLines)
    }

    func company(ofFixedLine index: Int) -> Int {
        Self.bucket(of: index, large: largerCompanies, largeSize: largeFixedLines, smallSize: smallFixedLines)
    }

    /// Line holders (deviceUser, user) among positions `1..<position` of a company.
    static func lineHolders(before position: Int) -> Int {
        let cycled = max(0, position - 1)
        return cycled / profileCycle.count * lineHoldersInCycle[profileCycle.count] + lineHoldersInCycle[cycled % profileCycle.count]
    }

    private static func mobileLines(holders: Int) -> Int { holders + max(1, holders / 10) }
    private static func fixedLines(holders: Int) -> Int { 1 + holders / 20 }

    /// Which of `large` buckets of `largeSize` followed by buckets of `smallSize` holds `index`.
    private static func bucket(of index: Int, large: Int, largeSize: Int, smallSize: Int) -> Int {
        let largeSpan = large * largeSize
        return index < largeSpan ? index / largeSize : large + (index - largeSpan) / smallSize
    }

    // MARK: Registrations

    /// What registration `index` is.
    struct Slot: Sendable {
        var company: Int
        /// Position in the company; 0 is the legal representative.
        var position: Int
        var profile: Profile
        /// Global index of its mobile line, for deviceUser and user.
        var mobileLine: Int?
        var status: RegistrationStatus
        var hasSession: Bool
        /// Days before now it was created (never before its company).
        var day: Int
    }

    func slot(ofRegistration index: Int) -> Slot {
        let company = self.company(ofRegistration: index)
        let position = index - firstRegistration(ofCompany: company)
        let profile = position == 0 ? Profile.legalRepresentative : Self.profileCycle[(position - 1) % Self.profileCycle.count]
        let mobileLine = profile.requiresLine ? firstMobileLine(ofCompany: company) + Self.lineHolders(before: position) : nil

        // Non-representatives before this registration, and whether this one is inactive
        // (Bresenham: exactly `inactiveRegistrations` of the `nonRepresentatives`, evenly spread).
        let t = inactiveRegistrations, n = nonRepresentatives
        let nonRepresentativesBefore = index - company - (position == 0 ? 0 : 1)
        var status = RegistrationStatus.active
        if position > 0 && (nonRepresentativesBefore + 1) * t / n > nonRepresentativesBefore * t / n {
            let inactiveOrdinal = (nonRepresentativesBefore + 1) * t / n - 1
            status = inactiveOrdinal % 5 < 3 ? .pendingActivation : .revoked
        }
        // Sessions: exactly `sessions` of the active registrations, evenly spread.
        var hasSession = false
        if status == .active {
            let inactiveBefore = n > 0 ? nonRepresentativesBefore * t / n : 0
            let activeOrdinal = index - inactiveBefore
            // A permutation of the active ordinals (multiplication by a prime that does not
            // divide their count) picks exactly `sessions` of them, spread over every profile
            // rather than in step with the profile cycle.
            let s = sessions, a = activeRegistrations
            let prime = [7919, 104_729, 1_299_709].first { a % $0 != 0 } ?? 1
            hasSession = activeOrdinal * prime % a < s
        }

        let created = self.companyDay(company)
        let day = position == 0 ? created : SyntheticData.pick(index, .registrationDay, below: created + 1)
        return Slot(company: company, position: position, profile: profile, mobileLine: mobileLine, status: status,
                    hasSession: hasSession, day: day)
    }
}
