import NIOCore

/// A `TaskExecutor` that runs jobs on one NIO event loop.
///
/// Tasks started with it as their executor preference run their nonisolated code, and resume
/// from suspensions, on that loop. A task calling ``WebProfilesClient`` made with the same loop
/// then sends and receives without any thread hop: the call starts on the loop and its answer
/// resumes the task there, where otherwise each call costs two wake-ups of other threads.
///
/// Code run this way occupies the event loop: use it for short, non-blocking work around calls.
/// The loop must outlive the tasks that prefer it: jobs handed to a loop that has shut down
/// never run, and their tasks never finish.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop jobs run on.
    public let eventLoop: any EventLoop

    /// An executor running jobs on `eventLoop`.
    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
