import Synchronization
import WebProfilesWire

/// The operator plane's line to the running daemon: `Operator/Reload` (and SIGHUP) put a request
/// in, the daemon's ``ControlService`` carries it out and answers.
///
/// A mailbox and nothing more: it holds no reference to the daemon or its parts, so the router
/// that asks through it and the daemon that answers never keep each other alive.
final class DaemonControl: Sendable {
    enum Request: Sendable {
        /// Re-read the configuration file and apply what can change while running.
        case reload
    }

    /// Where a request's answer (the settings that need a restart) goes. A request dropped
    /// unanswered (the daemon stopped) answers UNAVAILABLE when it is released.
    final class Reply: Sendable {
        private let continuation: Mutex<CheckedContinuation<[String], any Error>?>

        init(_ continuation: CheckedContinuation<[String], any Error>) {
            self.continuation = Mutex(continuation)
        }

        func resume(with result: Result<[String], any Error>) {
            continuation.withLock { pending in
                pending?.resume(with: result)
                pending = nil
            }
        }

        deinit {
            resume(with: .failure(RPCError(code: .unavailable, message: "the daemon is stopping")))
        }
    }

    struct Envelope: Sendable {
        var request: Request
        var reply: Reply
    }

    let requests: AsyncStream<Envelope>
    private let continuation: AsyncStream<Envelope>.Continuation

    init() {
        (requests, continuation) = AsyncStream.makeStream(of: Envelope.self, bufferingPolicy: .bufferingNewest(16))
    }

    /// Sends `request` and waits for its answer; UNAVAILABLE when the daemon no longer takes
    /// requests (it is stopping) or too many are waiting.
    func ask(_ request: Request) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            // Whatever happens to the envelope (answered, dropped, stream ended), its reply is
            // resumed exactly once.
            _ = self.continuation.yield(Envelope(request: request, reply: Reply(continuation)))
        }
    }

    /// No more requests.
    func finish() {
        continuation.finish()
    }
}
