import Foundation
import WebProfilesDomain

extension ProfileStore {
    /// Accepts an invitation with its code, logged in as the invited account: the pending
    /// membership becomes active (no new password; the account's own is kept).
    package func acceptInvitation(accountID: String, sessionID: String, codeHash: String, now: Date) async throws -> RegistrationRecord {
        try await write { tx, log in
            guard let session = try SessionRecord.fetchOne(tx, key: sessionID), session.accountId == accountID, session.expiresAt > now else {
                throw StoreError(.unauthenticated, "the session has ended")
            }
            guard var invitation = try Self.pendingActivation(tx, codeHash: codeHash, now: now), invitation.membership.invited,
                  invitation.accountId == accountID
            else {
                throw StoreError(.notFound, "no invitation for you with this code (it may have expired)", field: "invitationCode")
            }
            let before = Self.auditFields(invitation)
            invitation.membership.status = .active
            invitation.membership.invited = false
            invitation.membership.activationCodeHash = nil
            invitation.membership.activationExpiresAt = nil
            invitation.membership.updatedAt = now
            try invitation.membership.update(tx)
            log.record(.invitationAccepted, actor: .account(accountID), at: now, company: invitation.companyId, target: invitation.id,
                       account: accountID, before: before, after: Self.auditFields(invitation))
            log.changed(.account(accountID))
            return invitation
        }
    }
}
