public struct AuthenticatedSession: Sendable {}
