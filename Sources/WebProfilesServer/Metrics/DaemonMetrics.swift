import CoreMetrics
import Foundation
import Prometheus
import WebProfilesTransport
import WebProfilesWire

/// The daemon's metrics, kept in its own Prometheus registry and written out in the Prometheus
/// text exposition format by `Operator/Metrics` (`webprofilectl operator metrics --output FILE`
/// for node_exporter's textfile collector: the daemon listens on Unix sockets only).
///
/// Events are counted where they happen, through swift-metrics' types (`Counter`, `Timer`)
/// backed by swift-prometheus handlers made with their help texts. States (sessions, queue
/// depth, connections, storage) are read when the metrics are asked for: see
/// ``exposition(_:)``. Label values come from closed sets (the registered methods, the status
/// codes, the outcomes below), never from what a client sends, so the number of series is
/// bounded whatever the traffic.
package final class DaemonMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()

    /// How a `Session/Login` ended.
    package enum LoginOutcome: String, Sendable, CaseIterable {
        case success
        /// Wrong password, unknown username, locked, pending or revoked: one answer for all.
        case failed
        /// The password was right; the account needs its second factor in the call.
        case secondFactorRequired = "second_factor_required"
        case secondFactorFailed = "second_factor_failed"
        /// Too many failed checks from the caller's source.
        case throttled
        /// Refused before any check (the hashing queue full) or failed (storage).
        case error
    }

    /// A cache the authorization path reads.
    package enum CacheName: String, Sendable, CaseIterable {
        case session, account, lines

        /// Its place in ``allCases`` (the counters are kept in arrays: counted on every call).
        var index: Int {
            switch self {
            case .session: 0
            case .account: 1
            case .lines: 2
            }
        }
    }

    private let logins: [LoginOutcome: CoreMetrics.Counter]
    private let lockouts: CoreMetrics.Counter
    /// By ``CacheName/index``.
    private let cacheHits: [CoreMetrics.Counter]
    private let cacheMisses: [CoreMetrics.Counter]
    private let hashingWait: CoreMetrics.Timer
    private let storageUnavailable: CoreMetrics.Counter
    private let storageDataLoss: CoreMetrics.Counter

    private let sessionsLive: Prometheus.Gauge
    private let sessionsCached: Prometheus.Gauge
    private let hashingQueueDepth: Prometheus.Gauge
    private let connections: [ListenerKind: Prometheus.Gauge]
    private let storageHealthy: Prometheus.Gauge

    /// The call-duration histogram's buckets: from a cached `Session/Authorize` (tens of
    /// microseconds) to a login's Argon2id verification (tens to hundreds of milliseconds).
    static let callBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .microseconds(2_500_000), .seconds(5), .seconds(10),
    ]
    static let hashingWaitBuckets: [Duration] = [
        .microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .microseconds(2_500_000), .seconds(5), .seconds(10),
    ]

    package init(version: String) {
        let registry = self.registry
        func descriptor(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "webprofiled", metricName: name, unitName: unit, helpText: help)
        }
        func counter(_ descriptor: MetricNameDescriptor, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
            let handler = labels.isEmpty ? registry.makeCounter(descriptor: descriptor) : registry.makeCounter(descriptor: descriptor, labels: labels)
            return CoreMetrics.Counter(label: descriptor.name, dimensions: labels, handler: handler)
        }
        func gauge(_ descriptor: MetricNameDescriptor, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
            labels.isEmpty ? registry.makeGauge(descriptor: descriptor) : registry.makeGauge(descriptor: descriptor, labels: labels)
        }

        let loginsName = descriptor("logins", unit: "total", help: "Session/Login calls by outcome.")
        logins = Dictionary(uniqueKeysWithValues: LoginOutcome.allCases.map { ($0, counter(loginsName, [("outcome", $0.rawValue)])) })
        lockouts = counter(descriptor("lockouts", unit: "total", help: "Accounts locked after too many failed password checks."))
        let cacheName = descriptor("cache_lookups", unit: "total",
                                   help: "Authorization cache lookups by cache and result (a miss reads the database).")
        cacheHits = CacheName.allCases.map { counter(cacheName, [("cache", $0.rawValue), ("result", "hit")]) }
        cacheMisses = CacheName.allCases.map { counter(cacheName, [("cache", $0.rawValue), ("result", "miss")]) }
        let waitName = descriptor("hashing_wait", unit: "seconds", help: "Time a password hash or check waited for a hashing thread.")
        hashingWait = CoreMetrics.Timer(label: waitName.name, dimensions: [],
                                        handler: registry.makeDurationHistogram(descriptor: waitName, buckets: Self.hashingWaitBuckets))
        let storageName = descriptor("storage_errors", unit: "total", help: "Storage operations that failed, by kind.")
        storageUnavailable = counter(storageName, [("kind", "unavailable")])
        storageDataLoss = counter(storageName, [("kind", "data_loss")])

        sessionsLive = gauge(descriptor("sessions_live", unit: "", help: "Sessions neither past their end nor idle, in the database (read when the metrics are asked for)."))
        sessionsCached = gauge(descriptor("sessions_cached", unit: "", help: "Sessions held in this daemon's memory."))
        hashingQueueDepth = gauge(descriptor("hashing_queue_depth", unit: "", help: "Password hashes and checks waiting for a hashing thread."))
        let connectionsName = descriptor("connections", unit: "", help: "Open connections, by socket.")
        connections = Dictionary(uniqueKeysWithValues: ListenerKind.allCases.map { ($0, gauge(connectionsName, [("socket", "\($0)")])) })
        storageHealthy = gauge(descriptor("storage_healthy", unit: "", help: "1 while the database works, 0 while it is failing (Health/Check's storage)."))
        gauge(descriptor("build_info", unit: "", help: "The running version (always 1)."), [("version", version)]).set(1.0)
        gauge(descriptor("start_time", unit: "seconds", help: "When the daemon started, in seconds since the Unix epoch."))
            .set(Date().timeIntervalSince1970)
        calls = CallMetricsFactory(registry: registry, namespace: "webprofiled", metricName: "rpc_duration", unitName: "seconds",
                                   help: "Calls and their duration, by method and status code.", buckets: Self.callBuckets)
    }

    /// Makes the per-method call metrics the router keeps with each route.
    package let calls: CallMetricsFactory

    /// Counts a `Session/Login` by how it ended.
    func login(_ outcome: LoginOutcome) { logins[outcome]?.increment() }

    /// Counts an account locked by its failed password checks.
    func lockedOut() { lockouts.increment() }

    /// Records how long a password hash or check waited for a hashing thread.
    func hashingWaited(_ duration: Duration) { hashingWait.recordNanoseconds(duration.wholeNanoseconds) }

    /// Counts a lookup of `cache`.
    func cache(_ cache: CacheName, hit: Bool) { (hit ? cacheHits : cacheMisses)[cache.index].increment() }

    /// Counts a failed storage operation.
    package func storageFailed(dataLoss: Bool) { (dataLoss ? storageDataLoss : storageUnavailable).increment() }

    /// The states read when the metrics are asked for.
    package struct Snapshot: Sendable {
        /// Nil when the database could not be read: the gauge keeps its last value.
        package var liveSessions: Int?
        package var cachedSessions: Int
        package var hashingQueueDepth: Int
        package var connections: [ListenerKind: Int]
        package var storageHealthy: Bool

        package init(liveSessions: Int?, cachedSessions: Int, hashingQueueDepth: Int, connections: [ListenerKind: Int], storageHealthy: Bool) {
            self.liveSessions = liveSessions
            self.cachedSessions = cachedSessions
            self.hashingQueueDepth = hashingQueueDepth
            self.connections = connections
            self.storageHealthy = storageHealthy
        }
    }

    /// The media type of ``exposition(_:)``.
    package static let contentType = "text/plain; version=0.0.4"

    /// Every metric in the Prometheus text exposition format (version 0.0.4), after setting the
    /// gauges to `snapshot`.
    package func exposition(_ snapshot: Snapshot) -> String {
        if let live = snapshot.liveSessions { sessionsLive.set(Double(live)) }
        sessionsCached.set(Double(snapshot.cachedSessions))
        hashingQueueDepth.set(Double(snapshot.hashingQueueDepth))
        for (listener, gauge) in connections { gauge.set(Double(snapshot.connections[listener] ?? 0)) }
        storageHealthy.set(snapshot.storageHealthy ? 1.0 : 0.0)
        return registry.emitToString()
    }
}
