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
        discussion: "Profiles: " + Profile.allCases.map { "\($0.rawValue) (\($0.italianName))" }.joined(separator: ", ") + ".",
        subcommands: [List.self, Show.self, Register.self, SetProfile.self, Revoke.self, Restore.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List registrations.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this profile.") var profile: Profile?
        @Option(help: "Only this status: pendingActivation, active, revoked.") var status: RegistrationStatus?
        @Option(help: "Only usernames, names or emails containing this.") var query: String?
        @Option(help: "Registrations per page (1...500).") var pageSize: Int?
        @Option(help: "Continue from a previous page.") var pageToken: String?

        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.listRegistrations, ListRegistrationsRequest(
                    profile: profile, status: status, query: query, pageSize: pageSize, pageToken: pageToken))
                if try global.emitMachineReadable(response) { return }
                Formatting.registrationTable(response.registrations)
                if let next = response.nextPageToken { print("\nmore: --page-token \(next)") }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one registration.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.getRegistration, GetRegistrationRequest(registrationId: registrationID))
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "register", abstract: "Register a person and print their activation code.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The new username.") var username: String
        @Option(help: "The person's name.") var displayName: String
        @Option(help: "The person's email.") var email: String
        @Option(help: "The profile to grant.") var profile: Profile
        @Option(help: "Their mobile line (required for user and deviceUser).") var line: String?
        @Option(help: "The contract's referent type (adminLight only).") var referent: String?

        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.registerUser, RegisterUserRequest(
                    username: username, displayName: displayName, email: email, profile: profile, line: line, referent: referent))
                try global.emit(response) {
                    Output.fields(Formatting.registration(response.registration) + Formatting.activation(response.activationCode, expires: response.activationExpiresAt))
                }
            }
        }
    }

    struct SetProfile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-profile", abstract: "Widen or narrow a registration's profile.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        @Argument(help: "The new profile.") var profile: Profile
        @Option(help: "Their mobile line (for user and deviceUser; default: the one they hold).") var line: String?
        @Option(help: "The contract's referent type (adminLight only).") var referent: String?

        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.changeProfile, ChangeProfileRequest(
                    registrationId: registrationID, profile: profile, line: line, referent: referent))
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a registration's credentials (ends their sessions).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        @Option(help: "Why (kept in the audit trail).") var reason: String?
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: registrationID, reason: reason))
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restore", abstract: "Restore revoked credentials; prints a new activation code.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.restoreCredentials, RestoreCredentialsRequest(registrationId: registrationID))
                try global.emit(response) {
                    Output.fields(Formatting.registration(response.registration) + Formatting.activation(response.activationCode, expires: response.activationExpiresAt))
                }
            }
        }
    }
}

/// `webprofilectl company show`.
struct CompanyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "company", abstract: "Your company.", subcommands: [Show.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show your company, its legal representative and lines.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.getCompany, Empty())
                try global.emit(response) { Formatting.company(response.company) }
            }
        }
    }
}
