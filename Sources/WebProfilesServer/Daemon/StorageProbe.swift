import Foundation
import Logging
import ServiceLifecycle
import WebProfilesStore

/// Writes one row every ``interval`` so that a database that stopped taking writes (disk full,
/// read-only, locked, corrupt) shows in `Health/Check` and the status line before a caller's write
/// meets it, and its recovery shows without a restart. A database that could not be opened at
/// start is opened here once it can be.
struct StorageProbe: Service {
    static let interval: Duration = .seconds(5)

    let store: ProfileStore
    let now: @Sendable () -> Date

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await store.probe(now: now())
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
        }
    }
}
