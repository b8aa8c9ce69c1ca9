import Foundation
import Testing

/// Protocol/vectors/frames.json (connection and call errors), read from the checkout.
struct ProtocolVectorsFile: Decodable, Sendable {
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

    var connectionErrors: [ConnectionError]
    var callErrors: [CallError]

    static let shared: ProtocolVectorsFile = {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        url = url.deletingLastPathComponent().appendingPathComponent("Protocol/vectors/frames.json")
        return try! JSONDecoder().decode(ProtocolVectorsFile.self, from: Data(contentsOf: url))
    }()
}
