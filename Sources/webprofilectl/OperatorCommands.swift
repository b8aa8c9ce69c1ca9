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
        discussion: "Every write carries the desk agent and the ticket into the audit trail: --agent (default $SUDO_USER, else your login name) and --ticket.",
        subcommands: [CompanyGroup.self, LinesGroup.self, OperatorUsersCommand.self, Unlock.self, Audit.self, Stats.self, Metrics.self, Reload.self]
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
                                                        subcommands: [Create.self, Show.self, List.self, Find.self, SetLegalRep.self, UpdateLegalRep.self,
                                                                      ReferentTypes.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a company and its legal representative's registration.")
            @OptionGroup var global: GlobalOptions
            @Option(help: "The company name.") var name: String
            @Option(help: "The partita IVA (11 digits).") var vat: String
            @OptionGroup var rep: LegalRepOptions
            @OptionGroup var desk: OperatorOptions
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.createCompany, CreateCompanyRequest(name: name, vatNumber: vat, legalRepresentative: rep.request),
                                                                 desk: desk)
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
                    Formatting.companyTable(response.companies)
                    if let next = response.nextPageToken { print("\nmore: --page-token \(next)") }
                }
            }
        }

        struct Find: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "find", abstract: "Find companies by VAT number or by name.")
            @OptionGroup var global: GlobalOptions
            @Option(help: "The partita IVA (exact).") var vat: String?
            @Option(help: "A part of the name (case and accents ignored).") var name: String?
            @Option(help: "Companies per page (1...500).") var pageSize: Int?
            @Option(help: "Continue from a previous page.") var pageToken: String?
            func validate() throws {
                guard (vat == nil) != (name == nil) else { throw ValidationError("give exactly one of --vat and --name") }
            }
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.findCompanies, FindCompaniesRequest(vatNumber: vat, name: name, pageSize: pageSize, pageToken: pageToken))
                    if try global.emitMachineReadable(response) { return }
                    Formatting.companyTable(response.companies)
                    if let next = response.nextPageToken { print("\nmore: --page-token \(next)") }
                }
            }
        }

        struct UpdateLegalRep: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "update-legal-rep", abstract: "Correct the legal representative's data in place (same username, same sessions).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The company id.") var companyID: String
            @Option(help: "The corrected full name.") var repName: String?
            @Option(help: "The corrected email.") var repEmail: String?
            @Option(help: "The corrected fiscal code.") var repFiscalCode: String?
            @Option(help: "Why (kept in the audit trail).") var reason: String
            @OptionGroup var desk: OperatorOptions
            func validate() throws {
                guard repName != nil || repEmail != nil || repFiscalCode != nil else { throw ValidationError("give --rep-name, --rep-email or --rep-fiscal-code") }
            }
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.updateLegalRepresentative, UpdateLegalRepresentativeRequest(
                        companyId: companyID, fullName: repName, email: repEmail, fiscalCode: repFiscalCode, reason: reason), desk: desk)
                    try global.emit(response) { Formatting.company(response.company) }
                }
            }
        }

        struct ReferentTypes: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "referent-types", abstract: "Set the referent types the company's contract names (none: any referent).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The company id.") var companyID: String
            @Argument(help: "The referent types (none to accept any referent again).") var types: [String] = []
            @OptionGroup var desk: OperatorOptions
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.setReferentTypes, SetReferentTypesRequest(companyId: companyID, referentTypes: types), desk: desk)
                    try global.emit(response) { Formatting.company(response.company) }
                }
            }
        }

        struct SetLegalRep: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "set-legal-rep", abstract: "Replace the legal representative (the previous one's registration is revoked).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The company id.") var companyID: String
            @OptionGroup var rep: LegalRepOptions
            @Option(help: "Why (kept in the audit trail).") var reason: String
            @OptionGroup var desk: OperatorOptions
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.changeLegalRepresentative, ChangeLegalRepresentativeRequest(
                        companyId: companyID, legalRepresentative: rep.request, reason: reason), desk: desk)
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
            @OptionGroup var desk: OperatorOptions

            func validate() throws {
                guard !msisdns.isEmpty else { throw ValidationError("give at least one number") }
            }

            func run() async throws {
                try await runReportingErrors {
                    let lines = msisdns.map { Line(msisdn: $0, kind: kind ?? (($0.filter { $0 != " " }.hasPrefix("+393")) ? .mobile : .fixed)) }
                    let response = try await global.operatorCall(OperatorAPI.addLines, AddLinesRequest(companyId: companyID, lines: lines), desk: desk)
                    try global.emit(response) { Formatting.company(response.company) }
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a line (refused while a live registration holds it).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The company id.") var companyID: String
            @Argument(help: "The number.") var msisdn: String
            @OptionGroup var desk: OperatorOptions
            func run() async throws {
                try await runReportingErrors {
                    let response = try await global.operatorCall(OperatorAPI.removeLine, RemoveLineRequest(companyId: companyID, msisdn: msisdn), desk: desk)
                    try global.emit(response) { Formatting.company(response.company) }
                }
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Clear a registration's lockout.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id (see `operator users find`).") var registrationID: String
        @OptionGroup var desk: OperatorOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.unlockRegistration, UnlockRegistrationRequest(registrationId: registrationID), desk: desk)
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "audit", abstract: "List audit events, oldest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this company.") var company: String?
        @OptionGroup var options: AuditListOptions

        func run() async throws {
            try await runReportingErrors {
                let client = global.operatorClient()
                defer { Task { await client.close() } }
                try await options.list(global: global) { token in
                    try await client.call(OperatorAPI.listAuditEvents, ListAuditEventsRequest(
                        companyId: company, registrationId: options.registration, action: options.action, since: options.sinceDate,
                        until: options.untilDate, pageSize: options.pageSize, pageToken: token), timeout: global.callTimeout)
                }
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
