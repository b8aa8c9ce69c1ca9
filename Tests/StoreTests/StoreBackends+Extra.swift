extension StoreBackendKind {
    /// Backends beyond SQLite, when their servers run (see scripts/test.sh).
    static var extraBackends: [StoreBackendKind] { [] }
}
