#if canImport(Glibc)
import Glibc
#endif
import CArgon2
import NIOPosix
import ServiceLifecycle
import Synchronization
import WebProfilesWire

/// Argon2id hashing and verification (libargon2), on a bounded pool of threads of its own so a
/// login storm never stalls the event loops or other calls.
///
/// A password check first takes a place in the ``HashingAdmission`` (``admit(peer:)``): at most
/// 64 × threads checks in progress, a quarter of them from one peer uid, a peer with none always
/// let in; beyond, RESOURCE_EXHAUSTED. Its jobs then wait in a ``HashingQueue``: one queue per
/// peer, served in turn. A caller that gives up (cancellation, deadline) takes its job out.
///
/// The pool's threads run at a lower scheduling priority (nice +``hashingNiceness``) than the
/// event loops: when a login storm keeps every core busy hashing, the kernel still runs an
/// event loop as soon as a call arrives, so `Session/Authorize` keeps its latency. With idle
/// cores the priority changes nothing.
package final class PasswordHasher: Service, Sendable {
    private struct State {
        var parameters: Argon2Parameters
        /// Hashes of random passwords, by parameters: an attempt that cannot succeed is verified
        /// against the one matching the account's own hash (today's for unknown users), so that
        /// it costs what a real verification costs.
        var dummyHashes: [Argon2Parameters: String]
    }

    /// Parameter sets with a dummy hash kept (today's, and older ones stored hashes still use).
    static let maxDummyHashes = 4

    private let pool: NIOThreadPool
    private let state: Mutex<State>
    private let queue = HashingQueue()
    private let admission: HashingAdmission
    /// Where the wait for a thread is recorded (nil: nowhere).
    private let metrics: DaemonMetrics?

    /// The parameters of new hashes.
    package var parameters: Argon2Parameters { state.withLock { $0.parameters } }

    /// Errors of hashing itself (never of a wrong password).
    package struct HashingError: Error, CustomStringConvertible {
        package var description: String
    }

    /// Hashes and checks waiting for a thread.
    package var queueDepth: Int { queue.waiting }

    package init(parameters: Argon2Parameters, threads: Int, metrics: DaemonMetrics? = nil) throws {
        self.metrics = metrics
        guard parameters.isWithinBounds else {
            throw HashingError(description: "Argon2 parameters \(parameters) are outside the accepted bounds")
        }
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        self.pool.start()
        let maxTotal = max(1, threads) * 64
        self.admission = HashingAdmission(maxTotal: maxTotal, maxPerPeer: max(1, maxTotal / 4))
        self.state = Mutex(State(parameters: parameters, dummyHashes: [parameters: try Self.hashNow(Self.randomPassword(), parameters: parameters)]))
    }

    /// Switches to new parameters (a reload); existing hashes keep verifying with their own.
    package func update(parameters: Argon2Parameters) async throws {
        guard parameters != self.parameters else { return }
        guard parameters.isWithinBounds else {
            throw HashingError(description: "Argon2 parameters \(parameters) are outside the accepted bounds")
        }
        let dummy = try await pool.runIfActive {
            Self.lowerPoolThreadPriority()
            return try Self.hashNow(Self.randomPassword(), parameters: parameters)
        }
        state.withLock { state in
            state.parameters = parameters
            state.dummyHashes[parameters] = dummy
        }
    }

    private static func randomPassword() -> String {
        var random = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in Character(UnicodeScalar(UInt8.random(in: 97...122, using: &random))) })
    }

    /// Stops the threads (after the work queued so far).
    package func shutdown() async throws {
        try await pool.shutdownGracefully()
    }

    /// As a service: keeps the threads until the graceful shutdown (or cancellation), then
    /// stops them. Started first in the daemon's group, it stops last.
    package func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Takes a place for one password check of `peer`, held from the check's first write to its
    /// last; RESOURCE_EXHAUSTED when `peer` (or everyone) has too many in progress.
    func admit(peer: UInt32) throws(RPCError) -> HashingAdmission.Ticket {
        try admission.admit(peer: peer)
    }

    /// Hashes `password` into the standard encoded form, on a hashing thread, in `peer`'s turn.
    package func hash(_ password: String, peer: UInt32) async throws -> String {
        let parameters = self.parameters
        return try await run(peer: peer) { try Self.hashNow(password, parameters: parameters) }
    }

    /// Verifies `password` against `encoded`, in `peer`'s turn. When `encoded` is nil (the
    /// attempt cannot succeed) it verifies against a dummy hash with the parameters of
    /// `costLike` (the account's own hash, if there is one) and returns false. A stored hash
    /// whose parameters are out of bounds is not verified and fails.
    package func verify(_ password: String, encoded: String?, costLike: String? = nil, peer: UInt32) async throws -> Bool {
        let target: String
        if let encoded {
            target = encoded
        } else {
            target = try await dummyHash(like: costLike.flatMap(Argon2Parameters.parse(encoded:)), peer: peer)
        }
        let dummy = encoded == nil
        return try await run(peer: peer) {
            guard let stored = Argon2Parameters.parse(encoded: target), stored.isWithinBounds else { return false }
            let ok = Self.verifyNow(password, encoded: target)
            return ok && !dummy
        }
    }

    /// A dummy hash with `parameters` (today's when nil or out of bounds), made once per set.
    private func dummyHash(like parameters: Argon2Parameters?, peer: UInt32) async throws -> String {
        let (wanted, known) = state.withLock { state -> (Argon2Parameters, String?) in
            let wanted = parameters.flatMap { $0.isWithinBounds ? $0 : nil } ?? state.parameters
            return (wanted, state.dummyHashes[wanted])
        }
        if let known { return known }
        let made = try await run(peer: peer) { try Self.hashNow(Self.randomPassword(), parameters: wanted) }
        return state.withLock { state in
            if state.dummyHashes.count >= Self.maxDummyHashes, let old = state.dummyHashes.keys.first(where: { $0 != state.parameters }) {
                state.dummyHashes.removeValue(forKey: old)
            }
            state.dummyHashes[wanted] = made
            return made
        }
    }

    /// Runs `body` on a hashing thread when `peer`'s turn comes; a cancelled caller leaves the queue.
    private func run<T: Sendable>(peer: UInt32, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let ticket = Mutex<(id: UInt64?, cancelled: Bool)>((nil, false))
        let queue = self.queue
        let metrics = self.metrics
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let enqueued = ContinuousClock.now
                let job = HashingQueue.Job(
                    run: {
                        metrics?.hashingWaited(ContinuousClock.now - enqueued)
                        Self.lowerPoolThreadPriority()
                        continuation.resume(with: Result { try body() })
                    },
                    cancel: { continuation.resume(throwing: CancellationError()) }
                )
                let id = queue.enqueue(peer: peer, job)
                let cancelled = ticket.withLock { ticket in
                    ticket.id = id
                    return ticket.cancelled
                }
                if cancelled, let job = queue.remove(id: id, peer: peer) { return job.cancel() }
                pool.submit { state in
                    guard let next = queue.takeNext() else { return }
                    if case .active = state { next.run() } else { next.cancel() }
                }
            }
        } onCancel: {
            let id = ticket.withLock { ticket -> UInt64? in
                ticket.cancelled = true
                return ticket.id
            }
            if let id, let job = queue.remove(id: id, peer: peer) { job.cancel() }
        }
    }

    /// How much nicer than the rest of the process the hashing threads are.
    package static let hashingNiceness: Int32 = 10

    /// Lowers the calling pool thread's priority. On Linux the nice value is per thread and
    /// `who == 0` names the calling thread only (setpriority(2), BUGS). Failure only means the
    /// thread keeps the process's priority.
    private static func lowerPoolThreadPriority() {
        #if os(Linux)
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        if errno == 0, current < hashingNiceness {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, hashingNiceness)
        }
        #endif
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
