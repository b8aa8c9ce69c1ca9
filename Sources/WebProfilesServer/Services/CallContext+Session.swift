import WebProfilesTransport
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

extension CallContext {
    /// The caller's session (present for every method that requires one).
    func requireSession() throws -> AuthenticatedSession {
        guard let session else { throw SessionInterceptor.unauthenticated }
        return session
    }

    /// The caller's session, which must hold `permission`.
    func requireSession(holding permission: Permission) throws -> AuthenticatedSession {
        let session = try requireSession()
        guard PermissionTable.grant(permission, to: session.principal.profile) != .denied else {
            throw RPCError(code: .permissionDenied, message: "the \(session.principal.profile) profile does not hold \(permission)")
        }
        return session
    }

    /// The session a write acts through (re-checked inside the write's transaction).
    func sessionActor(_ session: AuthenticatedSession) -> SessionActor {
        SessionActor(registrationID: session.principal.registrationID, sessionID: session.sessionID)
    }

    /// Where a login or password check comes from, for throttling: the local peer.
    var loginSource: LoginSource { .peer(uid: peer.uid) }

    /// The audit actor for operator-plane calls.
    var operatorActor: AuditActor { .operator(uid: peer.uid) }
}

/// Page sizes and opaque page tokens of listings.
enum Paging {
    static let defaultSize = 50
    static let maxSize = 500

    static func size(_ requested: Int?) throws -> Int {
        guard let requested else { return defaultSize }
        guard (1...maxSize).contains(requested) else {
            throw RPCError.invalidArgument(field: "pageSize", "must be between 1 and \(maxSize)")
        }
        return requested
    }

    static func token(for key: String?) -> String? {
        key.map { Array($0.utf8).base64URL }
    }

    static func key(from token: String?) throws -> String? {
        guard let token else { return nil }
        guard token.utf8.count <= 1024, let bytes = [UInt8](base64URL: token), let key = String(validating: bytes, as: UTF8.self) else {
            throw RPCError.invalidArgument(field: "pageToken", "is not a token this server issued")
        }
        return key
    }
}

extension Array where Element == UInt8 {
    var base64URL: String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var i = 0
        while i + 2 < count {
            let n = UInt32(self[i]) << 16 | UInt32(self[i + 1]) << 8 | UInt32(self[i + 2])
            out += [table[Int(n >> 18)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], table[Int(n & 63)]]
            i += 3
        }
        if count - i == 1 {
            let n = UInt32(self[i]) << 16
            out += [table[Int(n >> 18)], table[Int(n >> 12 & 63)]]
        } else if count - i == 2 {
            let n = UInt32(self[i]) << 16 | UInt32(self[i + 1]) << 8
            out += [table[Int(n >> 18)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    init?(base64URL text: String) {
        var values: [UInt8] = []
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(c - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(c + 4)
            case UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "_"): values.append(63)
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let chunk = values[i..<Swift.min(i + 4, values.count)]
            var n: UInt32 = 0
            for (j, v) in chunk.enumerated() { n |= UInt32(v) << (18 - 6 * j) }
            out.append(UInt8(n >> 16 & 255))
            if chunk.count > 2 { out.append(UInt8(n >> 8 & 255)) }
            if chunk.count > 3 { out.append(UInt8(n & 255)) }
            i += 4
        }
        self = out
    }
}
