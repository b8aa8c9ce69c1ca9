import WebProfilesStore

/// The journal MESSAGE_IDs of webprofiled's entries, fixed forever, so that
/// `journalctl MESSAGE_ID=…` finds every entry of one kind; systemd/webprofiled.catalog explains
/// each (a test checks the two agree).
enum JournalMessageID {
    /// Of the audit events of one kind.
    static func audit(_ action: AuditAction) -> String {
        switch action {
        case .registered: "ef2d2af2f2754cb1a5f39d83abf06f86"
        case .activated: "220d465ffbbf4ae780945c8fdc9ab309"
        case .profileChanged: "a3465eca2b8447a7aca461a781f1df83"
        case .revoked: "39871b67c0b2417a98c5bc8c45990210"
        case .restored: "964249dd299543d296a4aff8fc1bf315"
        case .locked: "f88fb43fff0143ee8081362cdd0f8a47"
        case .unlocked: "26fb177521774348a0036ff703f7a591"
        case .login: "3386088cb7354cedb9831bc299a6f9e6"
        case .loginFailed: "dae316f25a334cd2a2dd293492c4569e"
        case .logout: "61480b216ab9495dbc6a9ed2b82bed59"
        case .sessionRevoked: "e813b8c68b124683bc029b919ce3427b"
        case .passwordChanged: "aef41141aacd4aac857a002f1f4fd933"
        case .companyCreated: "6d3b9ae471e94b8ba2afc6dd0e942da5"
        case .legalRepresentativeChanged: "5ccc4f8646514a31b868083806352459"
        case .linesChanged: "8ec983a0cbfe435fa62f7ef2f590eef3"
        case .detailsChanged: "8374d9724069417496a1a977feb8085c"
        case .invitationAccepted: "d8ef5ec0c39c46189a38d0827c269488"
        case .recoveryRequested: "82c49b43715b450fadf5c0488f49670b"
        case .credentialsReset: "2e9ebd3642c94c4f86a80ee0f1e097d0"
        case .activationReissued: "c14ca571addb4b0a87a6dec74e080895"
        case .legalRepresentativeUpdated: "29c03faf0f9a48fea460f69e6a80247b"
        case .referentTypesChanged: "5e47cff2042a48b9875d1ffeca70d718"
        case .secondFactorEnrolled: "1a106a81ab344e2dbd49a6e54a683cf7"
        case .secondFactorDisabled: "626ab6873f2d46a5a6edfb5c30dc4785"
        case .secondFactorReset: "00e18d6ab5044600bc6a96a2551f9867"
        case .auditPurged: "b915f97e6d21403d9678881e8f303e20"
        }
    }

    /// The database started failing (full, read-only, locked, I/O error, corrupt).
    static let storageFailing = "4b0cf3f2a5a14f8c9f33c0b0f3d6e701"
    /// The database works again.
    static let storageRecovered = "9d2f6b8e1c7a4e0b8a5d3c1f2e4b6a08"
}
