import Logging
import ServiceLifecycle
import WebProfilesStore

/// Runs the storage backend's background work for the daemon's life: with a shared PostgreSQL
/// database, the listening connection that hears every daemon's committed changes and keeps the
/// caches' lease (nothing for SQLite).
struct StorageChangeService: Service {
    let store: ProfileStore

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await store.runBackgroundWork() }
    }
}
