import ArgumentParser
import Foundation
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain

/// `webprofilectl users …`: Gestione utenze of your company.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage your company's registrations (Gestione utenze).",
        discussion: "Profiles: " + Profile.allCases.map { "\($0.rawValue) (\($0.italianName))" }.joined(separator: ", ") + "."
            + " Every command takes --company for people of several companies.",
        subcommands: [List.self, Show.self, Register.self, SetProfile.self, Update.self, Revoke.self, Restore.self, ResetPassword.self,
                      ReissueActivation.self, Sessions.self, EndSessions.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List registrations.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Option(help: "Only this profile.") var profile: Profile?
        @Option(help: "Only this status: pendingActivation, active, revoked.") var status: RegistrationStatus?
        @Option(help: "Only usernames, names or emails containing this (case and accents ignored).") var query: String?
        @Option(help: "Registrations per page (1...500).") var pageSize: Int?
        @Option(help: "Continue from a previous page.") var pageToken: String?

        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.listRegistrations, ListRegistrationsRequest(
                    profile: profile, status: status, query: query, pageSize: pageSize, pageToken: pageToken, companyId: company.companyID))
                if try global.emitMachineReadable(response) { return }
                Formatting.registrationTable(response.registrations)
                if let next = response.nextPageToken { print("\nmore: --page-token \(next)") }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one registration.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.getRegistration, GetRegistrationRequest(registrationId: registrationID, companyId: company.companyID))
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register", abstract: "Register a person and print their activation code.",
            discussion: "When the username is already someone's (an accountant of other companies, say), the code is an invitation they accept logged in; the answer looks the same either way."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The new username.") var username: String
        @Option(help: "The person's name.") var displayName: String
        @Option(help: "The person's email.") var email: String
        @Option(help: "The profile to grant.") var profile: Profile
        @Option(help: "Their mobile line (required for user and deviceUser).") var line: String?
        @Option(help: "The contract's referent type (adminLight only).") var referent: String?

        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.registerUser, RegisterUserRequest(
                    username: username, displayName: displayName, email: email, profile: profile, line: line, referent: referent, companyId: company.companyID))
                try global.emit(response) {
                    Output.fields(Formatting.registration(response.registration) + Formatting.activation(response.activationCode, expires: response.activationExpiresAt))
                }
            }
        }
    }

    struct SetProfile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-profile", abstract: "Widen or narrow a registration's profile.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The registration id.") var registrationID: String
        @Argument(help: "The new profile.") var profile: Profile
        @Option(help: "Their mobile line (for user and deviceUser; default: the one they hold).") var line: String?
        @Option(help: "The contract's referent type (adminLight only).") var referent: String?

        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.changeProfile, ChangeProfileRequest(
                    registrationId: registrationID, profile: profile, line: line, referent: referent, companyId: company.companyID))
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "update", abstract: "Correct a registration's name or email.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The registration id.") var registrationID: String
        @Option(help: "The corrected name.") var displayName: String?
        @Option(help: "The corrected email.") var email: String?

        func validate() throws {
            guard displayName != nil || email != nil else { throw ValidationError("give --display-name, --email or both") }
        }

        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.updateRegistration, UpdateRegistrationRequest(
                    registrationId: registrationID, displayName: displayName, email: email, companyId: company.companyID))
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a registration's credentials (ends their sessions).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The registration id.") var registrationID: String
        @Option(help: "Why (kept in the audit trail).") var reason: String?
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(
                    registrationId: registrationID, reason: reason, companyId: company.companyID))
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restore", abstract: "Restore revoked credentials; prints a new activation code.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.restoreCredentials, RestoreCredentialsRequest(registrationId: registrationID, companyId: company.companyID))
                try global.emit(response) {
                    Output.fields(Formatting.registration(response.registration) + Formatting.activation(response.activationCode, expires: response.activationExpiresAt))
                }
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Reset a person's password: theirs stops working, their sessions end.",
            discussion: "Prints the delivery (a recovery code for the person's registered address); a portal sends it there and never shows it to the manager."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.resetCredentials, ResetCredentialsRequest(registrationId: registrationID, companyId: company.companyID))
                try global.emit(response) {
                    Output.fields(Formatting.registration(response.registration) + [("sessions ended", "\(response.sessionsEnded)")] + Formatting.delivery(response.delivery))
                }
            }
        }
    }

    struct ReissueActivation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reissue-activation", abstract: "A new activation code for a pending registration (the old one stops working).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.reissueActivation, ReissueActivationRequest(registrationId: registrationID, companyId: company.companyID))
                try global.emit(response) {
                    Output.fields(Formatting.registration(response.registration) + Formatting.activation(response.activationCode, expires: response.activationExpiresAt))
                }
            }
        }
    }

    struct Sessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sessions", abstract: "A person's live sessions.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.listUserSessions, UserSessionsRequest(registrationId: registrationID, companyId: company.companyID))
                if try global.emitMachineReadable(response) { return }
                Formatting.sessionTable(response.sessions)
            }
        }
    }

    struct EndSessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "end-sessions", abstract: "End every session of a person (their credentials stay).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.endUserSessions, UserSessionsRequest(registrationId: registrationID, companyId: company.companyID))
                try global.emit(response) { print("\(response.sessionsEnded) session(s) ended") }
            }
        }
    }
}

/// Options of an audit listing, shared by `audit list` and `operator audit`.
struct AuditListOptions: ParsableArguments {
    @Option(help: "Only events about this registration.") var registration: String?
    @Option(help: "Only this action, e.g. profileChanged.") var action: String?
    @Option(help: "Only events at or after this time (ISO 8601, e.g. 2026-11-24T10:00:00Z).") var since: String?
    @Option(help: "Only events before this time (ISO 8601).") var until: String?
    @Option(help: "Events per page (1...500).") var pageSize: Int?
    @Option(help: "Continue from a previous page.") var pageToken: String?
    @Flag(help: "Fetch every page, not just the first.") var all = false

    var sinceDate: Date? { since.flatMap { ISO8601DateFormatter().date(from: $0) } }
    var untilDate: Date? { until.flatMap { ISO8601DateFormatter().date(from: $0) } }

    func validate() throws {
        if let since, ISO8601DateFormatter().date(from: since) == nil { throw ValidationError("--since must be an ISO 8601 time such as 2026-11-24T10:00:00Z") }
        if let until, ISO8601DateFormatter().date(from: until) == nil { throw ValidationError("--until must be an ISO 8601 time such as 2026-11-24T10:00:00Z") }
    }

    /// Fetches one page, or every page with `--all`, and prints them.
    func list(global: GlobalOptions, page: (String?) async throws -> ListAuditEventsResponse) async throws {
        var response = try await page(pageToken)
        if all {
            var events = response.events
            while let next = response.nextPageToken {
                response = try await page(next)
                events += response.events
            }
            response = ListAuditEventsResponse(events: events)
        }
        if try global.emitMachineReadable(response) { return }
        Formatting.auditTable(response.events)
        if let next = response.nextPageToken { print("\nmore: --page-token \(next) (or --all)") }
    }
}

/// `webprofilectl audit list`: your company's audit trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Your company's audit trail (legal representative and adminFull).",
                                                    subcommands: [List.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List your company's audit events, oldest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        @OptionGroup var options: AuditListOptions

        func run() async throws {
            try await runReportingErrors {
                let client = try global.sessionClient()
                defer { Task { await client.close() } }
                try await options.list(global: global) { token in
                    try await client.call(ProfilesAPI.listAuditEvents, ListCompanyAuditEventsRequest(
                        registrationId: options.registration, action: options.action, since: options.sinceDate, until: options.untilDate,
                        pageSize: options.pageSize, pageToken: token, companyId: company.companyID), timeout: global.callTimeout)
                }
            }
        }
    }
}
