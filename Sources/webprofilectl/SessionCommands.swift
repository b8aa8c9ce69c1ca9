import ArgumentParser
import Foundation
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login", abstract: "Log in and print (or --save) the session token.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Your username.") var username: String
    @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
    @Flag(help: "Store the token (0600) for later commands instead of printing it.") var save = false

    func run() async throws {
        try await runReportingErrors {
            let password = passwordStdin ? try PasswordInput.readLineFromStdin() : try PasswordInput.prompt("Password for \(username): ")
            let client = global.apiClient()
            let response = try await client.call(SessionAPI.login, LoginRequest(username: username, password: password), timeout: global.callTimeout)
            await client.close()
            if save { try SavedSession.save(response.sessionToken) }
            try global.emit(response) {
                if save {
                    Output.fields([("logged in as", response.principal.username), ("session", response.sessionId),
                                   ("expires", Formatting.date(response.expiresAt)), ("token saved to", SavedSession.path)])
                } else {
                    print(response.sessionToken)
                }
            }
        }
    }
}

struct ActivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "activate", abstract: "Set your password with the activation code you were given.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The activation code (wpa_…).") var code: String
    @Flag(help: "Read the new password from the first line of standard input.") var passwordStdin = false

    func run() async throws {
        try await runReportingErrors {
            let password = try PasswordInput.newPassword(fromStdin: passwordStdin)
            let client = global.apiClient()
            let response = try await client.call(SessionAPI.activate, ActivateRequest(activationCode: code, password: password), timeout: global.callTimeout)
            await client.close()
            try global.emit(response) { Output.fields([("activated", "")] + Formatting.principal(response.principal)) }
        }
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "End the current session (and forget a saved token).")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runReportingErrors {
            let token = global.sessionToken
            _ = try await global.sessionCall(SessionAPI.logout, Empty())
            if global.token == nil, let token, SavedSession.load() == token { SavedSession.remove() }
            try global.emit(["loggedOut": true]) { print("logged out") }
        }
    }
}

struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show who the session belongs to and what they may do.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runReportingErrors {
            let response = try await global.sessionCall(SessionAPI.whoami, Empty())
            try global.emit(response) {
                Output.fields(Formatting.principal(response.principal) + [("session", response.session.sessionId),
                    ("expires", Formatting.date(response.session.expiresAt)), ("idle expires", Formatting.date(response.session.idleExpiresAt))])
            }
        }
    }
}

struct AuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Check a permission: exit 0 when allowed, 3 when not.",
        discussion: "Permissions: \(Permission.allCases.map(\.rawValue).joined(separator: ", ")). Line permissions (line.*) need --line."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The permission, e.g. invoices.view or line.manage.") var permission: Permission
    @Option(help: "The line (E.164, +39…) for line permissions.") var line: String?

    func run() async throws {
        try await runReportingErrors {
            let response = try await global.sessionCall(SessionAPI.authorize, AuthorizeRequest(permission: permission, line: line))
            try global.emit(response) {
                Output.fields([("allowed", response.allowed ? "yes" : "no"), ("reason", response.reason),
                               ("username", response.principal.username), ("profile", Formatting.profile(response.principal.profile))])
            }
            if !response.allowed { throw ExitCode(CLIExit.notAllowed) }
        }
    }
}

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sessions", abstract: "Your live sessions.",
                                                    subcommands: [List.self, Revoke.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List your live sessions.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(SessionAPI.listSessions, Empty())
                if try global.emitMachineReadable(response) { return }
                Output.table(["ID", "CREATED", "LAST SEEN", "EXPIRES", "CURRENT"], response.sessions.map {
                    [$0.sessionId, Formatting.date($0.createdAt), Formatting.date($0.lastSeenAt), Formatting.date($0.expiresAt), $0.current ? "*" : ""]
                })
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "End one of your sessions.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session id (see `sessions list`).") var sessionID: String
        func run() async throws {
            try await runReportingErrors {
                _ = try await global.sessionCall(SessionAPI.revokeSession, RevokeSessionRequest(sessionId: sessionID))
                try global.emit(["revoked": sessionID]) { print("session \(sessionID) ended") }
            }
        }
    }
}

struct PasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "password", abstract: "Your password.", subcommands: [Change.self])

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "change", abstract: "Change your password (ends your other sessions).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Read the current and the new password from the first two lines of standard input.") var passwordStdin = false
        func run() async throws {
            try await runReportingErrors {
                let current = passwordStdin ? try PasswordInput.readLineFromStdin() : try PasswordInput.prompt("Current password: ")
                let new = try PasswordInput.newPassword(fromStdin: passwordStdin)
                _ = try await global.sessionCall(SessionAPI.changePassword, ChangePasswordRequest(currentPassword: current, newPassword: new))
                try global.emit(["changed": true]) { print("password changed; your other sessions ended") }
            }
        }
    }
}
