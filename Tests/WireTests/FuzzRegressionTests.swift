import CBOR
import Foundation
import NIOCore
import Testing
import WebProfilesAPI
import WebProfilesWire

/// Every input in Fuzz/Regressions (inputs that once crashed a fuzz target, and the hostile
/// cases of Tests/Hostile) replayed through what the fuzz targets exercise, so they stay fixed
/// even where the fuzzer is not run.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let directory: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent("Fuzz/Regressions")
    }()

    static func inputs(_ target: String) -> [String] {
        let folder = directory.appendingPathComponent(target)
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted().map { folder.appendingPathComponent($0).path }
    }

    @Test(arguments: inputs("FuzzRequest"))
    func requestsAreRefusedOrDecoded(path: String) throws {
        let payload = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        let parsed: ParsedRequest
        do {
            parsed = try RequestParser.parse(payload)
        } catch {
            #expect(error.code == .invalidArgument)
            return
        }
        for method in APICatalog.methods { _ = try? method.decodeRequest(from: parsed.document, key: messageKey) }
    }

    @Test(arguments: inputs("FuzzCBOR"))
    func documentsParseOrFailCleanly(path: String) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        _ = try? CBORDocument(bytes: bytes, limits: Payload.peerLimits)
        if let document = try? CBORDocument(bytes: bytes) {
            _ = try CBORDocument(bytes: try CBOREncoder().encode(document.rootValue))
        }
    }

    @Test(arguments: inputs("FuzzFrameDecoder"))
    func framesDecodeOrFailCleanly(path: String) throws {
        var buffer = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)).dropFirst())
        var decoder = FrameDecoder(maxFrameBytes: 1 << 16)
        while let frame = try? decoder.decode(buffer: &buffer) {
            #expect(frame.lengthField <= 1 << 16)
        }
    }

    @Test func theRegressionFoldersAreNotEmpty() {
        for target in ["FuzzRequest", "FuzzCBOR", "FuzzFrameDecoder"] { #expect(!Self.inputs(target).isEmpty, "\(target)") }
    }
}
