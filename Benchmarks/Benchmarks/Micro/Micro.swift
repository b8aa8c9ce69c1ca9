import Benchmark
import CBOR
import Foundation
import NIOCore
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesWire

/// Micro-benchmarks of the work one `Session/Authorize` call costs the daemon outside I/O and the
/// store: the message codecs (CBOR as on the daemon's wire, against Foundation JSON as the gRPC
/// peer uses), splitting a frame off the byte stream, and the permission decision.
///
/// Run with `swift package benchmark` in Benchmarks/ (see the package manifest).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2)
    )

    let fixtures: MicroFixtures
    do {
        fixtures = try MicroFixtures()
    } catch {
        fatalError("cannot build the benchmark inputs: \(error)")
    }
    let jsonEncoder = JSONEncoder()
    let jsonDecoder = JSONDecoder()
    let cborDecoder = CBORDecoder()

    // MARK: AuthorizeRequest
    // CBOR is measured as it crosses the daemon's socket: the client encodes the whole REQUEST
    // payload (a RequestEnvelope: method, authorization metadata and message); the server parses
    // the payload into a document and decodes the message under "message" (the Router's step; the
    // RequestHeader it also reads from that document is left out, as gRPC carries method and
    // metadata in HTTP/2 headers). JSON encodes and decodes the message alone, as the gRPC peer.

    Benchmark("CBOR encode AuthorizeRequest") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Payload.encode(fixtures.requestEnvelope))
        }
    }

    Benchmark("JSON encode AuthorizeRequest") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try jsonEncoder.encode(fixtures.request))
        }
    }

    Benchmark("CBOR decode AuthorizeRequest") { benchmark in
        for _ in benchmark.scaledIterations {
            let document = try Payload.document(fixtures.requestPayload, limits: Payload.peerLimits)
            blackHole(try cborDecoder.decode(AuthorizeRequest.self, from: document, key: messageKey))
        }
    }

    Benchmark("JSON decode AuthorizeRequest") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try jsonDecoder.decode(AuthorizeRequest.self, from: fixtures.requestJSON))
        }
    }

    // MARK: AuthorizeResponse
    // CBOR: the RESPONSE payload the Router writes (a ResponseEnvelope) and the client's decoding
    // of it (document, then the message under "message"). JSON: the message alone.

    Benchmark("CBOR encode AuthorizeResponse") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Payload.encode(ResponseEnvelope(message: fixtures.response)))
        }
    }

    Benchmark("CBOR encode AuthorizeResponse, principal pre-encoded") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Payload.encode(ResponseEnvelope(message: fixtures.preencodedResponse)))
        }
    }

    Benchmark("JSON encode AuthorizeResponse") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try jsonEncoder.encode(fixtures.response))
        }
    }

    Benchmark("CBOR decode AuthorizeResponse") { benchmark in
        for _ in benchmark.scaledIterations {
            let document = try Payload.document(fixtures.responsePayload, limits: Payload.responseLimits)
            blackHole(try cborDecoder.decode(AuthorizeResponse.self, from: document, key: messageKey))
        }
    }

    Benchmark("JSON decode AuthorizeResponse") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try jsonDecoder.decode(AuthorizeResponse.self, from: fixtures.responseJSON))
        }
    }

    // MARK: Framing
    // One REQUEST frame fed to the processor the server connection uses, each time as a new read.

    let processor = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameBytes: Frame.defaultMaxFrameBytes))
    Benchmark("Frame decode") { benchmark in
        for _ in benchmark.scaledIterations {
            try processor.process(buffer: fixtures.requestFrame) { frame in
                blackHole(frame)
            }
        }
    }

    // MARK: Permissions
    // An Administrator Light checking line.manage on a mobile line of the company: the table
    // grants it on mobile lines only, so the decision needs the line's kind. The inputs go through
    // `identity` so the compiler cannot fold the (pure) calls out of the loop.

    let permission = Permission.lineManage
    let profile = Profile.adminLight
    let lineKind = LineKind.mobile

    Benchmark("Permission grant", configuration: .init(scalingFactor: .mega)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(PermissionTable.grant(identity(permission), to: identity(profile)))
        }
    }

    Benchmark("Permission check", configuration: .init(scalingFactor: .mega)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(AuthorizationDecision.decide(permission: identity(permission), profile: identity(profile), ownLine: nil,
                                                   line: identity(MicroFixtures.line), companyLineKind: identity(lineKind)))
        }
    }
}
