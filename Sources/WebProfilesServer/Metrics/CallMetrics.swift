import CoreMetrics
import Prometheus
import Synchronization
import WebProfilesWire

/// Makes the call metrics of each method: one histogram family,
/// `webprofiled_rpc_duration_seconds{method, code}`, whose `_count` is the calls.
package struct CallMetricsFactory: Sendable {
    let registry: PrometheusCollectorRegistry
    /// The parts of the histogram's `MetricNameDescriptor` (which is not `Sendable`).
    let namespace: String
    let metricName: String
    let unitName: String
    let help: String
    let buckets: [Duration]

    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(namespace: namespace, metricName: metricName, unitName: unitName, helpText: help)
    }

    /// The metrics of `method` (a registered method's full name, or `"unknown"` for names no
    /// route has: a client's made-up names never become label values).
    package func method(_ method: String) -> CallMetrics {
        CallMetrics(method: method, factory: self)
    }
}

/// The calls of one method, by status code: a histogram per code, made the first time that
/// code is answered (so a scrape shows only the codes seen).
package final class CallMetrics: Sendable {
    private let method: String
    private let factory: CallMetricsFactory
    /// By status code, for the 17 codes of PROTOCOL.md §5 (any other is counted as UNKNOWN).
    private let timers: Mutex<[CoreMetrics.Timer?]>
    /// OK's, once the first call succeeded: read without the lock (most calls succeed, and the
    /// event loops would otherwise all take it on every call).
    private let okTimer = AtomicLazyReference<CoreMetrics.Timer>()

    init(method: String, factory: CallMetricsFactory) {
        self.method = method
        self.factory = factory
        timers = Mutex(Array(repeating: nil, count: Int(StatusCode.unauthenticated.rawValue) + 1))
    }

    /// Records a call that ended with `status` after `duration`.
    package func record(_ status: StatusCode, _ duration: Duration) {
        if status == .ok, let timer = okTimer.load() {
            return timer.recordNanoseconds(duration.wholeNanoseconds)
        }
        let code = Int(status.rawValue) <= Int(StatusCode.unauthenticated.rawValue) ? status : .unknown
        let timer = timers.withLock { timers in
            if let timer = timers[Int(code.rawValue)] { return timer }
            let labels = [("method", method), ("code", code.name)]
            let descriptor = factory.descriptor
            let histogram = factory.registry.makeDurationHistogram(descriptor: descriptor, labels: labels, buckets: factory.buckets)
            let timer = CoreMetrics.Timer(label: descriptor.name, dimensions: labels, handler: histogram)
            timers[Int(code.rawValue)] = timer
            return timer
        }
        if code == .ok { _ = okTimer.storeIfNil(timer) }
        timer.recordNanoseconds(duration.wholeNanoseconds)
    }
}

