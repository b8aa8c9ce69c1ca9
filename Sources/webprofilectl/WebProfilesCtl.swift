import ArgumentParser
import WebProfilesAPI

/// `webprofilectl`: the command-line client of webprofiled.
@main
struct WebProfilesCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webprofilectl",
        abstract: "Command-line client of the webprofiled daemon.",
        discussion: """
        Talks to webprofiled over its Unix socket (--socket, env WEBPROFILED_SOCKET) or, for \
        operator commands, its operator socket (--operator-socket). Output is a human table by \
        default and JSON with --json.

        EXIT STATUS
          0   success
          1   the daemon answered with another error
          3   authorize: the permission is not granted
          64  invalid arguments
          69  the daemon cannot be reached
          77  unauthenticated or permission denied
        """,
        version: webProfilesVersion,
        subcommands: [
            HealthCommand.self, LoginCommand.self, ActivateCommand.self, RecoverCommand.self, LogoutCommand.self, WhoamiCommand.self,
            AuthorizeCommand.self, AuthorizedLinesCommand.self, AccountCommand.self, CompanyCommand.self, SessionsCommand.self, PasswordCommand.self, TOTPCommand.self,
            UsersCommand.self, AuditCommand.self, OperatorCommand.self, BenchCommand.self,
        ]
    )

    /// Declared here too so `webprofilectl --socket PATH health` works as well as
    /// `webprofilectl health --socket PATH`.
    @OptionGroup var global: GlobalOptions
}
