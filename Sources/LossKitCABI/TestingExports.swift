import LossKit

/// Testing hook: makes the drivers' scratch allocations fail (see losskit.h).
@c
public func lk_testing_fail_allocations(_ afterN: Int64) {
    failScratchAllocations(after: afterN)
}
