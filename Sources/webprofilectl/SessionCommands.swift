import ArgumentParser
import Foundation
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Log in and print (or --save) the session token.",
        discussion: "An account with a second factor needs --otp (the authenticator's 6-digit code, or a recovery code); without it the daemon says so, after the right password."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Your username.") var username: String
    @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
    @Flag(help: "Store the token (0600) for later commands instead of printing it.") var save = false
    @Option(help: "Your second factor: the authenticator's code or a recovery code.") var otp: String?
    @Option(name: .customLong("company"), help: ArgumentHelp("The company the session acts for (for people of several companies).", valueName: "company-id"))
    var companyID: String?
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            let password = passwordStdin ? try PasswordInput.readLineFromStdin() : try PasswordInput.prompt("Password for \(username): ")
            let api = global.apiClient()
            defer { Task { await api.close() } }
            let response = try await api.call(SessionAPI.login, LoginRequest(username: username, password: password, otp: otp, companyId: companyID),
                                              metadata: client.metadata, timeout: global.callTimeout)
            if save { try SavedSession.save(response.sessionToken) }
            try global.emit(response) {
                if save {
                    var rows = [("logged in as", response.principal?.username ?? username), ("session", response.sessionId),
                                ("expires", Formatting.date(response.expiresAt)), ("token saved to", SavedSession.path)]
                    rows += Formatting.memberships(response.memberships, acting: response.principal?.companyId)
                    if let action = response.requiredAction { rows.append(("required", Formatting.requiredAction(action))) }
                    Output.fields(rows)
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
            defer { Task { await client.close() } }
            let response = try await client.call(SessionAPI.activate, ActivateRequest(activationCode: code, password: password), timeout: global.callTimeout)
            try global.emit(response) { Output.fields([("activated", "")] + Formatting.principal(response.principal)) }
        }
    }
}

/// `webprofilectl recover …`: a forgotten password. The daemon sends no mail: `request`
/// prints what the portal would deliver to the person's registered address.
struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover", abstract: "Recover a forgotten password with a code delivered to your address.",
        discussion: "A portal calls Session/RequestRecovery and mails the code to the registered address; it never shows it to a manager. `request` prints that delivery (or nothing for a username with no active account).",
        subcommands: [Request.self, Complete.self]
    )

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "request", abstract: "Ask for a recovery code (prints the delivery the portal would send).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The username.") var username: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.apiCall(SessionAPI.requestRecovery, RequestRecoveryRequest(username: username))
                try global.emit(response) {
                    guard let delivery = response.delivery else {
                        print("no delivery: the username names no active account (the answer looks the same to everyone)")
                        return
                    }
                    Output.fields(Formatting.delivery(delivery))
                }
            }
        }
    }

    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "complete", abstract: "Set a new password with a recovery code (ends every session).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The recovery code (wpr_…).") var code: String
        @Flag(help: "Read the new password from the first line of standard input.") var passwordStdin = false
        func run() async throws {
            try await runReportingErrors {
                let password = try PasswordInput.newPassword(fromStdin: passwordStdin)
                _ = try await global.apiCall(SessionAPI.completeRecovery, CompleteRecoveryRequest(recoveryCode: code, newPassword: password))
                try global.emit(["recovered": true]) { print("password set; log in with it (every earlier session ended)") }
            }
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
    @OptionGroup var company: CompanyOption

    func run() async throws {
        try await runReportingErrors {
            let response = try await global.sessionCall(SessionAPI.whoami, WhoamiRequest(companyId: company.companyID))
            try global.emit(response) {
                var rows = Formatting.principal(response.principal) + [("session", response.session.sessionId),
                    ("expires", Formatting.date(response.session.expiresAt)), ("idle expires", Formatting.date(response.session.idleExpiresAt))]
                if let memberships = response.memberships, memberships.count > 1 {
                    rows += Formatting.memberships(memberships, acting: response.principal.companyId)
                }
                if let action = response.requiredAction { rows.append(("required", Formatting.requiredAction(action))) }
                Output.fields(rows)
            }
        }
    }
}

struct AuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Check a permission: exit 0 when allowed, 3 when not.",
        discussion: """
            Permissions: \(Permission.allCases.map(\.rawValue).joined(separator: ", ")). Line permissions (line.*) need --line; \
            several --line values are checked in one call (Session/AuthorizeMany), one row each, exit 3 if any is not allowed.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The permission, e.g. invoices.view or line.manage.") var permission: Permission
    @Option(help: "The line (E.164, +39…) for line permissions; repeat it to check several lines at once.") var line: [String] = []
    @OptionGroup var company: CompanyOption

    func validate() throws {
        guard line.count <= AuthorizeManyRequest.maxChecks else { throw ValidationError("at most \(AuthorizeManyRequest.maxChecks) --line values") }
    }

    func run() async throws {
        try await runReportingErrors {
            if line.count > 1 {
                let request = AuthorizeManyRequest(checks: line.map { AuthorizationCheck(permission: permission, line: $0) }, companyId: company.companyID)
                let response = try await global.sessionCall(SessionAPI.authorizeMany, request)
                try global.emit(response) {
                    Output.table(["LINE", "ALLOWED", "REASON"], zip(line, response.results).map { [$0, $1.allowed ? "yes" : "no", $1.reason] })
                }
                if response.results.contains(where: { !$0.allowed }) { throw ExitCode(CLIExit.notAllowed) }
                return
            }
            let response = try await global.sessionCall(SessionAPI.authorize, AuthorizeRequest(permission: permission, line: line.first, companyId: company.companyID))
            try global.emit(response) {
                Output.fields([("allowed", response.allowed ? "yes" : "no"), ("reason", response.reason),
                               ("username", response.principal.username), ("company", response.principal.companyName),
                               ("profile", Formatting.profile(response.principal.profile))])
            }
            if !response.allowed { throw ExitCode(CLIExit.notAllowed) }
        }
    }
}

struct AuthorizedLinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorized-lines",
        abstract: "List the company lines a line permission lets you act on (Session/ListAuthorizedLines).",
        discussion: "Line permissions: \(Permission.allCases.filter(\.isLineScoped).map(\.rawValue).joined(separator: ", "))."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The line permission, e.g. line.manage.") var permission: Permission
    @Option(help: "Lines per page (1...500).") var pageSize: Int?
    @Option(help: "The page after the one that gave this token.") var pageToken: String?
    @OptionGroup var company: CompanyOption

    func validate() throws {
        guard permission.isLineScoped else { throw ValidationError("\(permission) is not a line permission") }
        if let pageSize, !(1...500).contains(pageSize) { throw ValidationError("--page-size must be 1...500") }
    }

    func run() async throws {
        try await runReportingErrors {
            let request = ListAuthorizedLinesRequest(permission: permission, pageSize: pageSize, pageToken: pageToken, companyId: company.companyID)
            let response = try await global.sessionCall(SessionAPI.listAuthorizedLines, request)
            try global.emit(response) {
                Output.table(["LINE", "KIND"], response.lines.map { [$0.msisdn, $0.kind.rawValue] })
                if let next = response.nextPageToken { print("more: --page-token \(next)") }
            }
        }
    }
}

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sessions", abstract: "Your live sessions.",
                                                    subcommands: [List.self, Revoke.self, RevokeOthers.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List your live sessions, with where they logged in from.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(SessionAPI.listSessions, Empty())
                if try global.emitMachineReadable(response) { return }
                Formatting.sessionTable(response.sessions)
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

    struct RevokeOthers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke-others", abstract: "Sign out everywhere else (every session but this one).")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(SessionAPI.revokeOtherSessions, Empty())
                try global.emit(response) { print("\(response.sessionsEnded) other session(s) ended") }
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
