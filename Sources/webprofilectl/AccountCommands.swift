import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain

/// `webprofilectl account …`: your own account, whatever the companies.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Your own account: your details, your companies, invitations.",
        subcommands: [Show.self, Update.self, AcceptInvitation.self], defaultSubcommand: Show.self
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show your account and the companies you belong to.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(SessionAPI.getAccount, Empty())
                try global.emit(response) { Formatting.account(response.account) }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "update", abstract: "Change your name or email (an email change asks for your password).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Your new name.") var displayName: String?
        @Option(help: "Your new email (where recovery codes go).") var email: String?
        @Flag(help: "Read the current password from the first line of standard input.") var passwordStdin = false

        func validate() throws {
            guard displayName != nil || email != nil else { throw ValidationError("give --display-name, --email or both") }
        }

        func run() async throws {
            try await runReportingErrors {
                var password: String?
                if email != nil { password = passwordStdin ? try PasswordInput.readLineFromStdin() : try PasswordInput.prompt("Current password: ") }
                let response = try await global.sessionCall(SessionAPI.updateMyDetails,
                                                            UpdateMyDetailsRequest(displayName: displayName, email: email, currentPassword: password))
                try global.emit(response) { Formatting.account(response.account) }
            }
        }
    }

    struct AcceptInvitation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "accept-invitation", abstract: "Join another company that registered your username (no new password).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The invitation code the company gave you (wpa_…).") var code: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(SessionAPI.acceptInvitation, AcceptInvitationRequest(invitationCode: code))
                try global.emit(response) { Output.fields([("joined", response.principal.companyName)] + Formatting.principal(response.principal)) }
            }
        }
    }
}

/// `webprofilectl company …`: the companies you act for.
struct CompanyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "company", abstract: "Your company: show it, or choose which one the session acts for.",
                                                    subcommands: [Show.self, Select.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show your company, its legal representative and lines.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var company: CompanyOption
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(ProfilesAPI.getCompany, GetOwnCompanyRequest(companyId: company.companyID))
                try global.emit(response) { Formatting.company(response.company) }
            }
        }
    }

    struct Select: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "select", abstract: "Choose the company the session acts for when a command names none.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The company id (see `account show`).") var companyID: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(SessionAPI.selectCompany, SelectCompanyRequest(companyId: companyID))
                try global.emit(response) { Output.fields([("acting for", response.principal.companyName)] + Formatting.principal(response.principal)) }
            }
        }
    }
}

/// `webprofilectl totp …`: the second factor.
struct TOTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp", abstract: "Your second factor (an authenticator app's 6-digit codes).",
        discussion: "enroll prints the secret and its otpauth:// URI (and, on a terminal with qrencode installed, a QR code); confirm with the app's current code to turn it on and get ten single-use recovery codes.",
        subcommands: [Enroll.self, Confirm.self, Disable.self]
    )

    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enroll", abstract: "Begin enrolling an authenticator: prints its secret.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Do not draw the QR code even on a terminal.") var noQR = false
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(SessionAPI.beginTOTPEnrollment, Empty())
                try global.emit(response) {
                    Output.fields([("secret", response.secret), ("uri", response.otpauthURI)])
                    if !noQR, isatty(STDOUT_FILENO) == 1, let qr = QRCode.draw(response.otpauthURI) {
                        print("")
                        print(qr)
                    }
                    print("\nthen: webprofilectl totp confirm CODE (the app's current 6-digit code)")
                }
            }
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "confirm", abstract: "Turn the second factor on with the app's current code; prints recovery codes.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The authenticator's current 6-digit code.") var code: String
        func run() async throws {
            try await runReportingErrors {
                let response = try await global.sessionCall(SessionAPI.confirmTOTPEnrollment, ConfirmTOTPEnrollmentRequest(code: code))
                try global.emit(response) {
                    print("second factor on. Recovery codes (each works once, instead of a code; keep them safe):")
                    for code in response.recoveryCodes { print("  \(code)") }
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "Turn the second factor off (asks for your password).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        func run() async throws {
            try await runReportingErrors {
                let password = passwordStdin ? try PasswordInput.readLineFromStdin() : try PasswordInput.prompt("Password: ")
                _ = try await global.sessionCall(SessionAPI.disableTOTP, DisableTOTPRequest(password: password))
                try global.emit(["disabled": true]) { print("second factor off") }
            }
        }
    }
}

/// QR codes drawn by Debian's `qrencode` when it is installed (the package recommends it).
enum QRCode {
    /// The code for `text` as terminal characters, nil when qrencode is not there.
    static func draw(_ text: String) -> String? {
        guard let path = ["/usr/bin/qrencode", "/usr/local/bin/qrencode"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-t", "UTF8", "-m", "2", text]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
