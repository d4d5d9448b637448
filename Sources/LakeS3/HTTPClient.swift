import Dispatch
import Foundation
import Synchronization

/// An HTTP/1.1 client over libcurl easy handles.
///
/// `curl_easy_perform` blocks, so each transfer runs on one of `parallelism` dedicated threads,
/// never on Swift's cooperative pool, and the caller awaits it through a continuation. At most
/// `parallelism` transfers run at once (others wait their turn without blocking a thread).
/// Handles go back to a pool after each transfer, so their connections are reused (keep-alive).
final class HTTPClient: Sendable {
    let parallelism: Int
    private let idleHandles = Mutex<[CurlHandle]>([])
    private let slots: AsyncSlots
    private let workers: BlockingWorkers

    init(parallelism: Int) {
        self.parallelism = max(1, parallelism)
        slots = AsyncSlots(count: self.parallelism)
        workers = BlockingWorkers(count: self.parallelism)
    }

    deinit { workers.shutdown() }

    /// Sends one request (no retries: see ``S3Client``).
    func send(_ request: HTTPRequest, options: CurlHandle.Options) async throws -> HTTPResponse {
        try await slots.acquire()
        defer { slots.release() }
        let handle = try idleHandles.withLock { $0.popLast() } ?? CurlHandle()
        let result: Result<HTTPResponse, any Error> = await withCheckedContinuation { continuation in
            workers.submit {
                continuation.resume(returning: Result { try handle.perform(request, options: options) })
            }
        }
        // A handle whose transfer failed may hold a broken connection; libcurl detects and
        // replaces dead connections itself, so the handle is still fine to reuse.
        idleHandles.withLock { idle in
            if idle.count < parallelism { idle.append(handle) }
        }
        return try result.get()
    }
}

/// A counting semaphore for async code: waiters suspend instead of blocking a thread.
final class AsyncSlots: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }
    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(available: count)) }

    func acquire() async throws {
        let id: UInt64? = state.withLock { state in
            if state.available > 0 {
                state.available -= 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if state.available > 0 {  // a slot was released meanwhile
                        state.available -= 1
                        return true
                    }
                    state.waiters.append((id, continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, any Error>? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    func release() {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume()
    }
}

/// A fixed set of threads for blocking work. (Dispatch's pool on Linux sizes itself to the CPU
/// count, which would cap blocking transfers at the number of cores.) Threads start lazily, up to
/// `count`, and end on ``shutdown()``.
final class BlockingWorkers: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var threads = 0
        var idle = 0
        var stopped = false
    }
    private let count: Int
    private let state = Mutex(State())
    private let condition = NSConditionBox()

    init(count: Int) { self.count = max(1, count) }

    func submit(_ job: @escaping @Sendable () -> Void) {
        let startThread: Bool = condition.withLock {
            state.withLock { state in
                state.jobs.append(job)
                if state.idle == 0 && state.threads < count {
                    state.threads += 1
                    return true
                }
                return false
            }
        }
        if startThread {
            let thread = Thread { [self] in run() }
            thread.name = "lakectl-http"
            thread.start()
        }
        condition.signal()
    }

    func shutdown() {
        condition.withLock { state.withLock { $0.stopped = true } }
        condition.broadcast()
    }

    private func run() {
        while true {
            let job: (@Sendable () -> Void)? = condition.withLock {
                while true {
                    let next: (job: (@Sendable () -> Void)?, stop: Bool) = state.withLock { state in
                        if !state.jobs.isEmpty { return (state.jobs.removeFirst(), false) }
                        return (nil, state.stopped)
                    }
                    if next.job != nil || next.stop { return next.job }
                    state.withLock { $0.idle += 1 }
                    condition.wait()
                    state.withLock { $0.idle -= 1 }
                }
            }
            guard let job else { return }
            job()
        }
    }
}

/// NSCondition made `Sendable` (it is thread-safe; its Swift overlay predates the annotation).
final class NSConditionBox: @unchecked Sendable {
    private let condition = NSCondition()
    func withLock<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
    func wait() { condition.wait() }
    func signal() { condition.lock(); condition.signal(); condition.unlock() }
    func broadcast() { condition.lock(); condition.broadcast(); condition.unlock() }
}
