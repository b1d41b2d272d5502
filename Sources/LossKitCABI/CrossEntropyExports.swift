import LossKit

@c
public func lk_cross_entropy(
    _ dtype: Int32, _ rows: UInt, _ classes: UInt, _ logits: UnsafeRawPointer?,
    _ targetIndex: UnsafePointer<Int64>?, _ targetProb: UnsafeRawPointer?,
    _ classWeight: UnsafeRawPointer?, _ sampleWeight: UnsafeRawPointer?,
    _ ignoreIndex: Int64, _ labelSmoothing: Double, _ reduction: Int32,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) -> Int32 {
    guarded { () throws(LossKitError) in
        let rowCount = try length(rows, "rows")
        let classCount = try length(classes, "classes")
        let reduction = try LossKitCABI.reduction(reduction)
        let elements = rowCount.multipliedReportingOverflow(by: classCount)
        guard !elements.overflow, elements.partialValue <= Int.max / 8 else {
            throw LossKitError(.shapeMismatch, "rows × classes = \(rows) × \(classes) is larger than any array can be")
        }
        let logits = try required(logits, "logits", count: elements.partialValue)
        try withScalarType(dtype) { (scalar) throws(LossKitError) in
            try run(scalar, rowCount, classCount, logits, targetIndex, targetProb, classWeight,
                    sampleWeight, ignoreIndex, labelSmoothing, reduction, lossOut, losses, grad, hess)
        }
    }
}

/// The typed body of ``lk_cross_entropy``.
private func run<T: LossScalar>(
    _: T.Type, _ rows: Int, _ classes: Int, _ logits: UnsafeRawPointer?,
    _ targetIndex: UnsafePointer<Int64>?, _ targetProb: UnsafeRawPointer?,
    _ classWeight: UnsafeRawPointer?, _ sampleWeight: UnsafeRawPointer?,
    _ ignoreIndex: Int64, _ labelSmoothing: Double, _ reduction: Reduction,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) throws(LossKitError) {
    let empty = UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
    // With no rows a NULL target is still a valid (empty) index target.
    let index = targetIndex ?? (rows == 0 && targetProb == nil
        ? UnsafePointer<Int64>(bitPattern: MemoryLayout<Int64>.alignment) : nil)
    let problem = CrossEntropyProblem<T>(
        rows: rows, classes: classes, logits: typed(logits, T.self) ?? empty,
        targetIndex: index, targetProbability: typed(targetProb, T.self),
        classWeight: typed(classWeight, T.self), sampleWeight: typed(sampleWeight, T.self),
        ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction,
        losses: typed(losses, T.self), grad: typed(grad, T.self), hess: typed(hess, T.self))
    try problem.validate()
    deliver(T.evaluate(problem), to: lossOut)
}
