import Foundation
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

extension AccountsService {
    /// How many single-use recovery codes an enrolment gives.
    static let secondFactorRecoveryCodeCount = 10

    /// `Session/BeginTOTPEnrollment`: a new secret (20 random bytes, as RFC 4226 recommends),
    /// stored encrypted until confirmed.
    func beginTOTPEnrollment(session: AuthenticatedSession) async throws -> BeginTOTPEnrollmentResponse {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try await store.beginSecondFactorEnrollment(caller: session.accountActor, encryptedSecret: try secretBox.seal(secret), now: now())
        let totp = TOTP(secret: secret)
        return BeginTOTPEnrollmentResponse(secret: Base32.encode(secret), otpauthURI: totp.uri(issuer: configuration.totpIssuer, account: try session.account.username))
    }

    /// `Session/ConfirmTOTPEnrollment`: the authenticator's code proves the secret was taken;
    /// the second factor is in force and ten recovery codes are issued (stored hashed).
    func confirmTOTPEnrollment(session: AuthenticatedSession, code: String) async throws -> [String] {
        let pending = try await store.secondFactorSecret(accountID: session.accountID)
        guard let sealed = pending.secret, !pending.enabled else {
            throw RPCError(code: .failedPrecondition, message: pending.enabled
                ? "a second factor is already enrolled"
                : "no enrolment is in progress: call Session/BeginTOTPEnrollment first")
        }
        let secret: [UInt8]
        do { secret = try secretBox.open(sealed) } catch {
            throw RPCError(code: .failedPrecondition, message: "the enrolment's secret cannot be read (the second-factor key changed): begin it again")
        }
        guard let step = TOTP(secret: secret).matchingStep(of: code.trimmingCharacters(in: .whitespaces), at: now()) else {
            throw RPCError.invalidArgument(field: "code", "does not match the authenticator's secret (check that the device's clock is right)")
        }
        let codes = (0..<Self.secondFactorRecoveryCodeCount).map { _ in Secrets.newSecondFactorRecoveryCode() }
        let hashes = codes.compactMap(Secrets.canonicalSecondFactorRecoveryCode).map(Secrets.sha256Hex)
        try await store.confirmSecondFactorEnrollment(caller: session.accountActor, encryptedSecret: sealed, step: step,
                                                      recoveryCodeHashes: hashes, now: now())
        return codes
    }

    /// `Session/DisableTOTP`: after the password (counted toward the lockout); refused when the
    /// person's profile requires a second factor.
    func disableTOTP(session: AuthenticatedSession, password: String, sources: [LoginSource], peer: UInt32) async throws {
        if session.account.principals.contains(where: { configuration.secondFactorRequiredProfiles.contains($0.profile) }) {
            throw RPCError(code: .failedPrecondition, message: "your profile requires a second factor; to change devices, ask customer service to reset it")
        }
        let ticket = try hasher.admit(peer: peer)
        defer { ticket.release() }
        let (attempt, verifiedHash, _) = try await verifyCurrentPassword(password, session: session, field: "password", sources: sources, peer: peer)
        do {
            try await store.disableSecondFactor(caller: session.accountActor, verifiedPasswordHash: verifiedHash, now: now())
            try? await store.releaseLoginAttempt(attempt)
        } catch {
            try? await store.releaseLoginAttempt(attempt)
            throw error
        }
    }
}
