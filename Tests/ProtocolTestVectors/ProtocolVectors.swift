import Foundation

/// Protocol/vectors/frames.json, the golden frames shared by the Swift tests and the Python
/// interop test, read from the checkout (tests never read ../shared).
public struct ProtocolVectors: Decodable, Sendable {
    public struct ValidFrame: Decodable, Sendable {
        public var name: String
        public var kind: String
        public var status: String
        public var streamId: UInt32
        public var payloadHex: String?
        public var hex: String
    }

    public struct ConnectionError: Decodable, Sendable {
        public var name: String
        public var first: Bool
        public var hex: String
        public var goawayStatus: String
    }

    public struct CallError: Decodable, Sendable {
        public var name: String
        public var hex: String
        public var streamId: UInt32
        public var status: String
    }

    public var frames: [ValidFrame]
    public var connectionErrors: [ConnectionError]
    public var callErrors: [CallError]

    public static let shared: ProtocolVectors = {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        url = url.deletingLastPathComponent().appendingPathComponent("Protocol/vectors/frames.json")
        guard let data = try? Data(contentsOf: url), let vectors = try? JSONDecoder().decode(ProtocolVectors.self, from: data) else {
            fatalError("cannot read the protocol vectors at \(url.path)")
        }
        return vectors
    }()

    public func frame(_ name: String) -> ValidFrame {
        guard let frame = frames.first(where: { $0.name == name }) else { fatalError("no golden frame \(name)") }
        return frame
    }
}

/// Protocol/vectors/messages.json: a request and an answer message of every method, and error
/// answers, shared by the Swift tests and Tests/Schema (which checks them against the CDDL).
public struct MessageVectors: Decodable, Sendable {
    public struct Message: Decodable, Sendable {
        /// `webprofiles.v1.<Service>/<Method>`.
        public var method: String
        /// `request` (the REQUEST's message) or `response` (the RESPONSE's message at status 0).
        public var kind: String
        public var name: String
        /// The message's CBOR.
        public var hex: String
    }

    public struct ErrorAnswer: Decodable, Sendable {
        public var method: String
        public var name: String
        public var status: String
        public var statusCode: UInt16
        /// The whole RESPONSE payload, `{"error": …}`.
        public var hex: String
    }

    public var messages: [Message]
    public var errors: [ErrorAnswer]

    public static let shared: MessageVectors = {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        url = url.deletingLastPathComponent().appendingPathComponent("Protocol/vectors/messages.json")
        guard let data = try? Data(contentsOf: url), let vectors = try? JSONDecoder().decode(MessageVectors.self, from: data) else {
            fatalError("cannot read the message vectors at \(url.path)")
        }
        return vectors
    }()
}

extension String {
    /// The bytes of a hex string.
    public var hexBytes: [UInt8] {
        var bytes: [UInt8] = []
        var index = startIndex
        while index < endIndex {
            let next = self.index(index, offsetBy: 2)
            bytes.append(UInt8(self[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
