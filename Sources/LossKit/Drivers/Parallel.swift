import CLossKitSupport
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How many threads the drivers may use, and the one place work is split across them.
///
/// Work is cut into blocks whose size never depends on the thread count; each block's sum is
/// computed by one thread and the block sums are added in block order. The result is
/// therefore bitwise identical for any number of threads. Inputs smaller than
/// ``Parallel/minimumBlocksPerThread`` blocks per extra thread run on the calling thread, so
/// small calls never pay for thread hand-off.
public enum Parallel {
    /// Blocks each thread must get before a second thread is worth waking (a block is about
    /// 2048 elements, a few microseconds of work).
    public static let minimumBlocksPerThread = 32

    private static let configured = Atomic<Int>(0)

    /// The thread count: set by ``setThreadCount(_:)``, else `LOSSKIT_NUM_THREADS`, else the
    /// number of CPUs this process may run on.
    public static var threadCount: Int {
        let n = configured.load(ordering: .relaxed)
        return n > 0 ? n : defaultThreadCount
    }

    /// Sets the thread count; 0 restores the default. Values above 1024 are clamped.
    public static func setThreadCount(_ n: Int) {
        configured.store(Swift.min(Swift.max(n, 0), 1024), ordering: .relaxed)
    }

    /// `LOSSKIT_NUM_THREADS` if it is a positive integer, else the CPUs in this process's
    /// affinity mask (what `os.sched_getaffinity` reports), at least 1.
    public static let defaultThreadCount: Int = {
        if let text = getenv("LOSSKIT_NUM_THREADS"), let n = Int(String(cString: text)), n > 0 {
            return Swift.min(n, 1024)
        }
        return Int(lk_support_available_cpus())
    }()

    /// The number of threads ``sum(blocks:_:)`` uses for `blocks` blocks (read once per call:
    /// another thread may change ``threadCount`` meanwhile), each thread getting at least
    /// `minimum` blocks: ``minimumBlocksPerThread`` for blocks of about 2048 elements, fewer for
    /// drivers whose blocks are larger.
    public static func threads(forBlocks blocks: Int, minimum: Int = minimumBlocksPerThread) -> Int {
        Swift.max(1, Swift.min(threadCount, blocks / Swift.max(minimum, 1)))
    }

    /// Σ body(b) for b in 0..<blocks, added in block order, with the blocks spread over up to
    /// ``threadCount`` threads in contiguous runs.
    @inlinable
    public static func sum(blocks: Int, _ body: (Int) -> Double) -> Double {
        sum(blocks: blocks, threads: threads(forBlocks: blocks)) { b, _ in body(b) }
    }

    /// Σ body(b, r) for b in 0..<blocks, added in block order, with the blocks spread over
    /// `threads` threads in contiguous runs; r in 0..<threads is the run that executes block b,
    /// so a driver can give each run its own scratch, allocated before the call. The block
    /// sums are kept in one array of `blocks` doubles; if that cannot be allocated, every block
    /// runs on the calling thread (run 0), which gives the same result.
    @inlinable
    public static func sum(blocks: Int, threads: Int, _ body: (Int, Int) -> Double) -> Double {
        let partials = threads > 1 ? lk_support_allocate(blocks * MemoryLayout<Double>.stride) : nil
        guard let partials = partials?.bindMemory(to: Double.self, capacity: blocks) else {
            var total = 0.0
            for b in 0..<blocks { total += body(b, 0) }
            return total
        }
        defer { free(partials) }
        return withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = (body, partials)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let (body, partials) = work
                for b in (blocks * t / threads)..<(blocks * (t + 1) / threads) { partials[b] = body(b, t) }
            }
            var total = 0.0
            for b in 0..<blocks { total += partials[b] }
            return total
        }
    }
}
