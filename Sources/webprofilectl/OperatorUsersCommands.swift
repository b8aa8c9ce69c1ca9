import ArgumentParser
import Foundation
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain

/// `webprofilectl operator users …`: the desk's view of people, across companies.
struct OperatorUsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Find and help people, in any company (the legal representative included).",
        subcommands: [Find.self, List.self, Show.self, ResetPassword.self, ReissueActivation.self, ResetSecondFactor.self, Sessions.self, EndSessions.self]
    )

    struct Find: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "find", abstract: "Find registrations by username, email or fiscal code, across companies.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The username.") var username: String?
        @Option(help: "The email.") var email: String?
        @Option(help: "A legal representative's fiscal code.") var fiscalCode: String?
        func validate() throws {
            guard [username, email, fiscalCode].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --username, --email and --fiscal-code")
            }
        }
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.findRegistrations, FindRegistrationsRequest(username: username, email: email, fiscalCode: fiscalCode))
                if try global.emitMachineReadable(response) { return }
                Formatting.registrationTable(response.registrations, withCompany: true)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a company's registrations.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The company id.") var companyID: String
        @Option(help: "Only this profile.") var profile: Profile?
        @Option(help: "Only this status: pendingActivation, active, revoked.") var status: RegistrationStatus?
        @Option(help: "Only usernames, names or emails containing this (case and accents ignored).") var query: String?
        @Option(help: "Registrations per page (1...500).") var pageSize: Int?
        @Option(help: "Continue from a previous page.") var pageToken: String?
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.listRegistrations, OperatorListRegistrationsRequest(
                    companyId: companyID, profile: profile, status: status, query: query, pageSize: pageSize, pageToken: pageToken))
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
                let response = try await global.operatorCall(OperatorAPI.getRegistration, OperatorRegistrationRequest(registrationId: registrationID))
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Reset a person's password (the only way for a legal representative); their sessions end.",
            discussion: "Prints the delivery for the person's registered address: send it there, never read it out."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        @Option(help: "Why (kept in the audit trail).") var reason: String
        @OptionGroup var desk: OperatorOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.resetCredentials, OperatorResetCredentialsRequest(registrationId: registrationID, reason: reason), desk: desk)
                try global.emit(response) {
                    Output.fields(Formatting.registration(response.registration) + [("sessions ended", "\(response.sessionsEnded)")] + Formatting.delivery(response.delivery))
                }
            }
        }
    }

    struct ReissueActivation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reissue-activation", abstract: "A new activation code for a pending registration.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        @Option(help: "Why (kept in the audit trail).") var reason: String?
        @OptionGroup var desk: OperatorOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.reissueActivation, OperatorReissueActivationRequest(registrationId: registrationID, reason: reason), desk: desk)
                try global.emit(response) {
                    Output.fields(Formatting.registration(response.registration) + Formatting.activation(response.activationCode, expires: response.activationExpiresAt))
                }
            }
        }
    }

    struct ResetSecondFactor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reset-second-factor", abstract: "Remove a lost second factor (the person logs in with the password and enrols again).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        @Option(help: "Why (kept in the audit trail).") var reason: String
        @OptionGroup var desk: OperatorOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.resetSecondFactor, ResetSecondFactorRequest(registrationId: registrationID, reason: reason), desk: desk)
                try global.emit(response) { Output.fields(Formatting.registration(response.registration)) }
            }
        }
    }

    struct Sessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sessions", abstract: "A person's live sessions.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.listUserSessions, OperatorRegistrationRequest(registrationId: registrationID))
                if try global.emitMachineReadable(response) { return }
                Formatting.sessionTable(response.sessions)
            }
        }
    }

    struct EndSessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "end-sessions", abstract: "End every session of a person.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registration id.") var registrationID: String
        @Option(help: "Why (kept in the audit trail).") var reason: String
        @OptionGroup var desk: OperatorOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.operatorCall(OperatorAPI.endUserSessions, OperatorEndUserSessionsRequest(registrationId: registrationID, reason: reason), desk: desk)
                try global.emit(response) { print("\(response.sessionsEnded) session(s) ended") }
            }
        }
    }
}
