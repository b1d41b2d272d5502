import LossKit

@c
public func lk_set_num_threads(_ n: Int32) -> Int32 {
    guarded { () throws(LossKitError) in
        guard n >= 0 else { throw LossKitError(.invalidArgument, "n must be >= 0 (0 restores the default), got \(n)") }
        Parallel.setThreadCount(Int(n))
    }
}

@c
public func lk_get_num_threads() -> Int32 {
    Int32(Parallel.threadCount)
}
