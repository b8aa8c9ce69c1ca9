import WebProfilesDomain

/// Deterministic, realistic-looking Italian test data, valid by construction and checked with
/// the daemon's own domain types: every value is returned in the exact form the daemon stores
/// (``Username/value``, ``MSISDN/value``, ``VATNumber/value``, ``FiscalCode/value``, the output
/// of ``TextRules``), so lookups by the daemon find what was seeded.
///
/// Everything is a pure function of an index: the same index always gives the same person,
/// company or number, and different indices give different usernames, VAT numbers and lines.
enum SyntheticData {
    /// A person behind a registration.
    struct Person: Sendable {
        var firstName: String
        var lastName: String
        var female: Bool
        var birthYear: Int
        var birthMonth: Int
        var birthDay: Int
        /// Belfiore code of the birthplace (a letter and three digits).
        var birthplace: String
    }

    // MARK: Hashing

    /// Salts that keep the hashes of one index independent of each other.
    enum Salt: UInt64 {
        case firstName = 0x1F3A_5C7E
        case lastName = 0x2B4D_6F81
        case sex = 0x3C5E_7092
        case birth = 0x4D6F_81A3
        case birthplace = 0x5E70_92B4
        case companyDay = 0x6F81_A3C5
        case registrationDay = 0x7092_B4D6
        case loggedIn = 0x81A3_C5E7
        case referent = 0x92B4_D6F8
        case company = 0xA3C5_E709
    }

    /// SplitMix64 of `index` and `salt`: a well-spread 64-bit value.
    static func hash(_ index: Int, _ salt: Salt) -> UInt64 {
        var z = (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15) ^ (salt.rawValue &* 0xD6E8_FEB8_6659_FD93)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `hash(index, salt)` reduced to `0..<modulo`.
    static func pick(_ index: Int, _ salt: Salt, below modulo: Int) -> Int {
        Int(hash(index, salt) % UInt64(modulo))
    }

    // MARK: People

    private static let maleNames = ["Marco", "Luca", "Giuseppe", "Andrea", "Francesco", "Alessandro", "Matteo", "Lorenzo",
                                    "Davide", "Simone", "Paolo", "Stefano", "Roberto", "Giovanni", "Antonio", "Riccardo"]
    private static let femaleNames = ["Giulia", "Francesca", "Chiara", "Sara", "Laura", "Valentina", "Elena", "Alessia",
                                      "Martina", "Federica", "Silvia", "Anna", "Paola", "Elisa", "Roberta", "Maria"]
    private static let lastNames = ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
                                    "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa",
                                    "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani",
                                    "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile"]
    /// Belfiore codes of large comuni (Milano, Roma, Napoli, Torino, Palermo, Bologna, Firenze, Genova, Venezia, Bari).
    private static let birthplaces = ["F205", "H501", "F839", "L219", "G273", "A944", "D612", "D969", "L736", "A662"]

    /// The person of registration `index`.
    static func person(_ index: Int) -> Person {
        let female = pick(index, .sex, below: 2) == 1
        let names = female ? femaleNames : maleNames
        let birth = hash(index, .birth)
        return Person(
            firstName: names[pick(index, .firstName, below: names.count)],
            lastName: lastNames[pick(index, .lastName, below: lastNames.count)],
            female: female,
            birthYear: 1950 + Int(birth % 50),
            birthMonth: 1 + Int((birth >> 8) % 12),
            birthDay: 1 + Int((birth >> 16) % 28),
            birthplace: birthplaces[pick(index, .birthplace, below: birthplaces.count)]
        )
    }

    /// Lowercase ASCII letters of a name (`De Luca` → `deluca`).
    private static func slug(_ name: String) -> String {
        String(name.lowercased().filter { $0.isASCII && $0.isLetter })
    }

    /// `first.last.index`, canonical as ``Username`` makes it; unique per index.
    static func username(_ person: Person, index: Int) throws -> String {
        try Username("\(slug(person.firstName)).\(slug(person.lastName)).\(index)").value
    }

    /// `First Last`, as ``TextRules/name(_:field:maxLength:)`` stores it.
    static func displayName(_ person: Person) throws -> String {
        try TextRules.name("\(person.firstName) \(person.lastName)", field: "displayName")
    }

    /// `first.last.index@<company domain>`, as ``TextRules/email(_:field:)`` stores it.
    static func email(_ person: Person, index: Int, company: Int) throws -> String {
        try TextRules.email("\(slug(person.firstName)).\(slug(person.lastName)).\(index)@\(companyDomain(company))")
    }

    /// The Italian fiscal code of `person` (surname, name, birth date and place, check letter).
    static func fiscalCode(_ person: Person) throws -> String {
        let months = Array("ABCDEHLMPRST")
        let day = person.birthDay + (person.female ? 40 : 0)
        let body = "\(surnameCode(person.lastName))\(nameCode(person.firstName))\(twoDigits(person.birthYear % 100))"
            + "\(months[person.birthMonth - 1])\(twoDigits(day))\(person.birthplace)"
        return try FiscalCode(body + String(FiscalCode.checkCharacter(body))).value
    }

    private static func letters(_ text: String) -> (consonants: [Character], vowels: [Character]) {
        let upper = Array(text.uppercased()).filter { $0.isASCII && $0.isLetter }
        return (upper.filter { !"AEIOU".contains($0) }, upper.filter { "AEIOU".contains($0) })
    }

    private static func surnameCode(_ surname: String) -> String {
        let (consonants, vowels) = letters(surname)
        return String((consonants + vowels + ["X", "X", "X"]).prefix(3))
    }

    private static func nameCode(_ name: String) -> String {
        let (consonants, vowels) = letters(name)
        if consonants.count >= 4 { return String([consonants[0], consonants[2], consonants[3]]) }
        return String((consonants + vowels + ["X", "X", "X"]).prefix(3))
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }

    /// `value` left-padded with zeros to `width` digits.
    private static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    // MARK: Companies

    private static let sectors = ["Logistica", "Costruzioni", "Impianti", "Servizi", "Trasporti",
                                  "Informatica", "Alimentari", "Consulenza", "Energia", "Meccanica"]
    private static let legalForms = ["S.r.l.", "S.p.A.", "S.n.c.", "S.a.s."]
    /// Provincial office codes (digits 8 to 10 of a partita IVA).
    private static let vatOffices = [1, 15, 58, 63, 37, 48, 81, 27, 30, 72]

    /// `Surname Sector N Form`, as ``TextRules/name(_:field:maxLength:)`` stores a company name.
    static func companyName(_ company: Int) throws -> String {
        let h = hash(company, .company)
        let surname = lastNames[Int(h % UInt64(lastNames.count))]
        let sector = sectors[Int((h >> 16) % UInt64(sectors.count))]
        let form = legalForms[Int((h >> 32) % UInt64(legalForms.count))]
        return try TextRules.name("\(surname) \(sector) \(company + 1) \(form)", field: "name", maxLength: 200)
    }

    /// The e-mail domain of `company`.
    static func companyDomain(_ company: Int) -> String {
        let h = hash(company, .company)
        let surname = slug(lastNames[Int(h % UInt64(lastNames.count))])
        let sector = slug(sectors[Int((h >> 16) % UInt64(sectors.count))])
        return "\(surname)\(sector)\(company + 1).example.it"
    }

    /// The partita IVA of `company`: its number (1-based, seven digits), a provincial office
    /// code and the check digit. Unique per company below ``maximumCompanies``.
    static func vatNumber(_ company: Int) throws -> String {
        let office = vatOffices[company % vatOffices.count]
        let body = padded(company + 1, width: 7) + padded(office, width: 3)
        let digits = body.map { Int($0.asciiValue! - 48) }
        return try VATNumber(body + String(VATNumber.checkDigit(digits))).value
    }

    /// Companies that get distinct VAT numbers.
    static let maximumCompanies = 9_999_999

    // MARK: Lines

    /// The mobile line `index` (`+39` and ten digits from `32…`), as ``MSISDN`` stores it.
    static func mobileLine(_ index: Int) throws -> String {
        try line("+393" + padded(200_000_000 + index, width: 9), kind: .mobile)
    }

    /// The fixed line `index` (`+3902` and eight digits, a Milan number), as ``MSISDN`` stores it.
    static func fixedLine(_ index: Int) throws -> String {
        try line("+3902" + padded(index, width: 8), kind: .fixed)
    }

    private static func line(_ text: String, kind: LineKind) throws -> String {
        let number = try MSISDN(text)
        guard number.kind == kind else { throw SeedError("\(text) is a \(number.kind) number, not \(kind)") }
        return number.value
    }

    // MARK: Referents

    /// Contract referent types an adminLight may carry (nil: none).
    private static let referents: [String?] = [nil, "Referente mobile", "Referente amministrativo", "Referente tecnico"]

    /// The referent of adminLight registration `index`, as the daemon stores it (or none).
    static func referent(_ index: Int) throws -> String? {
        try referents[pick(index, .referent, below: referents.count)].map {
            try TextRules.name($0, field: "referent", maxLength: 64)
        }
    }
}
