import CArgon2
import NIOPosix

/// Argon2id hashing and verification (libargon2), on a bounded pool of threads of its own so a
/// login storm never stalls the event loops or other calls.
public final class PasswordHasher: Sendable {
    public let parameters: Argon2Parameters
    private let pool: NIOThreadPool
    /// A hash of a random password with the same parameters: unknown users are verified against
    /// it, so every failed login costs the same.
    private let dummyHash: String

    /// Errors of hashing itself (never of a wrong password).
    public struct HashingError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parameters: Argon2Parameters, threads: Int) throws {
        guard parameters.isWithinBounds else {
            throw HashingError(description: "Argon2 parameters \(parameters) are outside the accepted bounds")
        }
        self.parameters = parameters
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        self.pool.start()
        var random = SystemRandomNumberGenerator()
        let dummyPassword = String((0..<24).map { _ in Character(UnicodeScalar(UInt8.random(in: 97...122, using: &random))) })
        self.dummyHash = try Self.hashNow(dummyPassword, parameters: parameters)
    }

    /// Stops the threads (after the work queued so far).
    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }

    /// Hashes `password` into the standard encoded form, off the calling thread.
    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await pool.runIfActive { try Self.hashNow(password, parameters: parameters) }
    }

    /// Verifies `password` against `encoded` (or, when nil, against the dummy hash, returning false).
    /// A stored hash whose parameters are out of bounds is not verified and fails.
    public func verify(_ password: String, encoded: String?) async throws -> Bool {
        let target = encoded ?? dummyHash
        let dummy = encoded == nil
        return try await pool.runIfActive {
            guard let stored = Argon2Parameters.parse(encoded: target), stored.isWithinBounds else { return false }
            let ok = Self.verifyNow(password, encoded: target)
            return ok && !dummy
        }
    }

    static func hashNow(_ password: String, parameters p: Argon2Parameters) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var random = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = random.next() }
        let hashLength = 32
        let encodedLength = argon2_encodedlen(p.iterations, p.memoryKiB, p.parallelism, UInt32(salt.count), UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let bytes = Array(password.utf8)
        let result = bytes.withUnsafeBytes { pwd in
            argon2id_hash_encoded(p.iterations, p.memoryKiB, p.parallelism, pwd.baseAddress, pwd.count,
                                  salt, salt.count, hashLength, &encoded, encodedLength)
        }
        guard result == ARGON2_OK.rawValue else {
            throw HashingError(description: "argon2id_hash_encoded failed: \(String(cString: argon2_error_message(result)))")
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func verifyNow(_ password: String, encoded: String) -> Bool {
        let bytes = Array(password.utf8)
        return bytes.withUnsafeBytes { pwd in
            argon2id_verify(encoded, pwd.baseAddress, pwd.count) == ARGON2_OK.rawValue
        }
    }
}
