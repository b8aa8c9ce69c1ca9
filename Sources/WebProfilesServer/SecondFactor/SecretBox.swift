#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation

/// Encrypts second-factor secrets at rest (AES-256-GCM) with a key the database never holds: a
/// 32-byte file in the state directory, made at first start (mode 0600), or a systemd credential
/// (`LoadCredential=secondfactor.key:…`, read from `$CREDENTIALS_DIRECTORY`). A stolen database
/// alone gives no secret. Sealed values are `v1:` + base64 of nonce, ciphertext and tag.
package struct SecretBox: Sendable {
    /// The key's bytes (`SymmetricKey` is not `Sendable`; one is made for each use).
    private let keyBytes: [UInt8]

    package struct Error: Swift.Error, CustomStringConvertible {
        package var description: String
    }

    /// The name of the key file and of the systemd credential.
    package static let keyName = "secondfactor.key"

    package init(keyBytes: [UInt8]) {
        precondition(keyBytes.count == 32, "AES-256 needs a 32-byte key")
        self.keyBytes = keyBytes
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The key from `$CREDENTIALS_DIRECTORY/secondfactor.key` when systemd passes one, else from
    /// `path`, made there (0600, in a directory that must exist) when missing and `create`.
    package static func load(path: String?, create: Bool = true, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SecretBox {
        if let directory = environment["CREDENTIALS_DIRECTORY"], FileManager.default.fileExists(atPath: directory + "/" + keyName) {
            return SecretBox(keyBytes: try read(directory + "/" + keyName))
        }
        guard let path else {
            throw Error(description: "daemons sharing a PostgreSQL database must share the second-factor key: set second_factor.key_file (the same 32-byte file on every host) or the systemd credential \(keyName)")
        }
        if FileManager.default.fileExists(atPath: path) { return SecretBox(keyBytes: try read(path)) }
        guard create else { throw Error(description: "the second-factor key \(path) does not exist") }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Error(description: "cannot create the second-factor key \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw Error(description: "cannot write the second-factor key \(path): \(String(cString: strerror(errno)))")
        }
        return SecretBox(keyBytes: bytes)
    }

    private static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Error(description: "cannot read the second-factor key \(path)") }
        guard data.count == 32 else { throw Error(description: "the second-factor key \(path) holds \(data.count) bytes, not 32") }
        return Array(data)
    }

    package func seal(_ plaintext: [UInt8]) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: key)
        guard let combined = box.combined else { throw Error(description: "AES-GCM gave no combined form") }
        return "v1:" + combined.base64EncodedString()
    }

    package func open(_ sealed: String) throws -> [UInt8] {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw Error(description: "not a sealed secret")
        }
        return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key))
    }
}
