import ArgumentParser
import Foundation
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain

/// `webprofilectl operator …`: customer service, over the operator socket.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Customer-service commands (operator socket; root or allowed uids only).",
        subcommands: [CompanyGroup.self, LinesGroup.self, Unlock.self, Audit.self, Stats.self, Reload.self]
    )

    /// Options naming a legal representative.
    struct LegalRepOptions: ParsableArguments {
        @Option(help: "The legal representative's full name.") var repName: String
        @Option(help: "Their Italian fiscal code.") var repFiscalCode: String
        @Option(help: "Their email.") var repEmail: String
        @Option(help: "The username of their registration.") var repUsername: String
        var request: LegalRepresentativeRequest {
            LegalRepresentativeRequest(fullName: repName, fiscalCode: repFiscalCode, email: repEmail, username: repUsername)
        }
    }

    static func printCompanyWithActivation(_ r: CompanyWithActivation, global: GlobalOptions) throws {
        try global.emit(r) {
            Formatting.company(r.company)
            print("")
            Output.fields(Formatting.registration(r.registration) + Formatting.activation(r.activationCode, expires: r.activationExpiresAt))
        }
    }

    struct CompanyGroup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "company", abstract: "Companies.",
                                                        subcommands: [Create.self, Show.self, List.self, SetLegalRep.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a company and its legal representative's registration.")
            @OptionGroup var global: GlobalOptions
            @Option(help: "The company name.") var name: String
            @Option(help: "The partita IVA (11 digits).") var vat: String
            @OptionGroup var rep: LegalRepOptions
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.createCompany, CreateCompanyRequest(name: name, vatNumber: vat, legalRepresentative: rep.request))
                    try OperatorCommand.printCompanyWithActivation(response, global: global)
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a company.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The company id.") var companyID: String
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.getCompany, GetCompanyRequest(companyId: companyID))
                    try global.emit(response) { Formatting.company(response.company) }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List companies.")
            @OptionGroup var global: GlobalOptions
            @Option(help: "Companies per page (1...500).") var pageSize: Int?
            @Option(help: "Continue from a previous page.") var pageToken: String?
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.listCompanies, ListCompaniesRequest(pageSize: pageSize, pageToken: pageToken))
                    if try global.emitMachineReadable(response) { return }
                    Output.table(["ID", "NAME", "VAT", "LEGAL REPRESENTATIVE", "LINES"], response.companies.map {
                        [$0.companyId, $0.name, $0.vatNumber, $0.legalRepresentative.fullName, String($0.lines.count)]
                    })
                    if let next = response.nextPageToken { print("\nmore: --page-token \(next)") }
                }
            }
        }

        struct SetLegalRep: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "set-legal-rep", abstract: "Replace the legal representative (the previous one's registration is revoked).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The company id.") var companyID: String
            @OptionGroup var rep: LegalRepOptions
            @Option(help: "Why (kept in the audit trail).") var reason: String
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.changeLegalRepresentative, ChangeLegalRepresentativeRequest(
                        companyId: companyID, legalRepresentative: rep.request, reason: reason))
                    try OperatorCommand.printCompanyWithActivation(response, global: global)
                }
            }
        }
    }

    struct LinesGroup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "lines", abstract: "A company's lines.", subcommands: [Add.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "add", abstract: "Add lines to a company.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The company id.") var companyID: String
            @Argument(help: "Numbers in E.164 form (+39…).") var msisdns: [String]
            @Option(help: "mobile or fixed (default: from the number: +393… mobile, +390… fixed).") var kind: LineKind?

            func validate() throws {
                guard !msisdns.isEmpty else { throw ValidationError("give at least one number") }
            }

            func run() async throws {
                try await runReportingErrors {
                    let lines = msisdns.map { Line(msisdn: $0, kind: kind ?? (($0.filter { $0 != " " }.hasPrefix("+393")) ? .mobile : .fixed)) }
                    let response = try await global.operatorCall(OperatorAPI.addLines, AddLinesRequest(companyId: companyID, lines: lines))
                    try global.emit(response) { Formatting.company(response.company) }
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a line (refused while a live registration holds it).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The company id.") var companyID: String
            @Argument(help: "The number.") var msisdn: String
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.removeLine, RemoveLineRequest(companyId: companyID, msisdn: msisdn))
                    try global.emit(response) { Formatting.company(response.company) }
                }
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Clear a registration's lockout.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.unlockRegistration, UnlockRegistrationRequest(registrationId: registrationID))
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "audit", abstract: "List audit events, oldest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this company.") var company: String?
        @Option(help: "Only events about this registration.") var registration: String?
        @Option(help: "Only events at or after this time (ISO 8601, e.g. 2026-11-24T10:00:00Z).") var since: String?
        @Option(help: "Events per page (1...500).") var pageSize: Int?
        @Option(help: "Continue from a previous page.") var pageToken: String?

        func validate() throws {
            if let since, ISO8601DateFormatter().date(from: since) == nil { throw ValidationError("--since must be an ISO 8601 time such as 2026-11-24T10:00:00Z") }
        }

        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.listAuditEvents, ListAuditEventsRequest(
                    companyId: company, registrationId: registration, since: since.flatMap { ISO8601DateFormatter().date(from: $0) },
                    pageSize: pageSize, pageToken: pageToken))
                if try global.emitMachineReadable(response) { return }
                func describe(_ fields: [String: String]?) -> String {
                    fields.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") } ?? ""
                }
                Output.table(["ID", "AT", "ACTION", "ACTOR", "TARGET", "CHANGE"], response.events.map {
                    [String($0.eventId), Formatting.date($0.at), $0.action, $0.actor, $0.targetRegistrationId ?? "-",
                     [describe($0.before), describe($0.after)].filter { !$0.isEmpty }.joined(separator: " -> ")]
                })
                if let next = response.nextPageToken { print("\nmore: --page-token \(next)") }
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts, uptime and connections.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await runReportingErrors {
                let s = try await global.operatorCall(OperatorAPI.stats, Empty())
                if try global.emitMachineReadable(s) { return }
                Output.fields([("companies", "\(s.companies)"), ("registrations", "\(s.registrations) (\(s.activeRegistrations) active)"),
                               ("live sessions", "\(s.liveSessions)"), ("cached sessions", "\(s.cachedSessions)"), ("connections", "\(s.connections)"),
                               ("uptime", String(format: "%.0fs", s.uptimeSeconds)), ("version", s.version)])
            }
        }
    }

    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reload", abstract: "Re-read the daemon's configuration file (like systemctl reload).")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.reload, Empty())
                try global.emit(response) {
                    print("configuration reloaded")
                    if !response.restartRequired.isEmpty {
                        print("needs a restart to take effect: \(response.restartRequired.joined(separator: ", "))")
                    }
                }
            }
        }
    }
}
