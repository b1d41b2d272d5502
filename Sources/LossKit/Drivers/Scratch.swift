import CLossKitSupport
#if canImport(Glibc)
import Glibc
#endif

/// Scratch memory of a driver, allocated with `malloc` so that a failure is a
/// ``LossKitStatus/outOfMemory`` error instead of a trap: Swift's `allocate` and growing
/// arrays end the process when memory runs out, and a library must not end its host.
///
/// Drivers allocate all their scratch before writing any output, so a call that fails for
/// memory leaves its outputs untouched; they release it with ``releaseScratch(_:)``. Scratch
/// that several threads use is one slice per run of ``Parallel/sum(blocks:threads:_:)``
/// (``allocatePerRun(_:count:of:for:)``).
///
/// `count` uninitialised elements for `what` (named in the error, e.g. "the CTC α table"). A
/// count whose size in bytes overflows is the same error as a size malloc refuses.
@inlinable
func allocateScratch<Element>(_ count: Int, of _: Element.Type, for what: @autoclosure () -> String)
    throws(LossKitError) -> UnsafeMutablePointer<Element> {
    let (bytes, overflow) = Swift.max(count, 0).multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
    guard !overflow, let raw = lk_support_allocate(bytes) else {
        let size = overflow ? "\(count) × \(MemoryLayout<Element>.stride) bytes, more than any allocation can be"
                            : "\(bytes) bytes"
        throw LossKitError(.outOfMemory, "out of memory: could not allocate \(what()) (\(size))")
    }
    return raw.bindMemory(to: Element.self, capacity: Swift.max(count, 1))
}

/// Releases what ``allocateScratch(_:of:for:)`` returned.
@inlinable
func releaseScratch<Element>(_ p: UnsafeMutablePointer<Element>) { free(p) }

/// `a · b + c` for a scratch size, or `Int.max` (which no allocation can have) on overflow.
@inlinable
func scratchCount(_ a: Int, _ b: Int, plus c: Int = 0) -> Int {
    let (ab, o1) = a.multipliedReportingOverflow(by: b)
    let (sum, o2) = ab.addingReportingOverflow(c)
    return o1 || o2 ? .max : sum
}

/// One slice of `count` elements for each of `threads` runs of
/// ``Parallel/sum(blocks:threads:_:)``: the slices (run r's at `r · count`) and the number of
/// runs they serve. When `threads` slices cannot be had, one is tried, so a call that fits in
/// memory on one thread still runs, with the same result.
@inlinable
func allocatePerRun<Element>(_ threads: Int, count: Int, of type: Element.Type, for what: @autoclosure () -> String)
    throws(LossKitError) -> (UnsafeMutablePointer<Element>, threads: Int) {
    if threads > 1, let p = try? allocateScratch(scratchCount(threads, count), of: type, for: what()) {
        return (p, threads)
    }
    return (try allocateScratch(count, of: type, for: what()), 1)
}

/// The allocation-failure hook for tests (C `lk_testing_fail_allocations`): with `n >= 0`, the
/// next `n` scratch allocations of any driver succeed and every later one fails, until the hook
/// is called again; `n < 0` restores normal allocation. Process-wide (one atomic count shared
/// by every thread), so it is for test programs, not for a library that shares its process.
public func failScratchAllocations(after n: Int64) {
    lk_support_fail_allocations(CLongLong(n))
}
