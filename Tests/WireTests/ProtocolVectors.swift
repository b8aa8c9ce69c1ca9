import Foundation
import Testing

/// Protocol/vectors/frames.json, the golden frames shared with the Python interop test.
struct ProtocolVectors: Decodable, Sendable {
    struct ValidFrame: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var kind: String
        var status: String
        var streamId: UInt32
        var payloadHex: String?
        var hex: String
        var testDescription: String { name }
    }

    struct ConnectionError: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var first: Bool
        var hex: String
        var goawayStatus: String
        var testDescription: String { name }
    }

    struct CallError: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var hex: String
        var streamId: UInt32
        var status: String
        var testDescription: String { name }
    }

    var frames: [ValidFrame]
    var connectionErrors: [ConnectionError]
    var callErrors: [CallError]

    /// Read from the repository (Protocol/ is part of the checkout; tests never read ../shared).
    static let shared: ProtocolVectors = {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        url = url.deletingLastPathComponent().appendingPathComponent("Protocol/vectors/frames.json")
        return try! JSONDecoder().decode(ProtocolVectors.self, from: Data(contentsOf: url))
    }()

    func frame(_ name: String) -> ValidFrame { frames.first { $0.name == name }! }
}

extension String {
    /// The bytes of a hex string.
    var hexBytes: [UInt8] {
        var bytes: [UInt8] = []
        var index = startIndex
        while index < endIndex {
            let next = self.index(index, offsetBy: 2)
            bytes.append(UInt8(self[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
