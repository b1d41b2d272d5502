import LossKit

@c
public func lk_hybrid(
    _ nParts: UInt, _ partLoss: UnsafePointer<Int32>?, _ partWeight: UnsafePointer<Double>?,
    _ params: UnsafePointer<Double>?, _ nParams: UnsafePointer<UInt>?,
    _ dtype: Int32, _ rows: UInt, _ classes: UInt, _ input: UnsafeRawPointer?,
    _ targetIndex: UnsafePointer<Int64>?, _ nTargetIndex: UInt, _ targetValues: UnsafeRawPointer?,
    _ sampleWeight: UnsafeRawPointer?, _ ignoreIndex: Int64, _ reduction: Int32,
    _ lossOut: UnsafeMutablePointer<Double>?, _ partsOut: UnsafeMutablePointer<Double>?,
    _ losses: UnsafeMutableRawPointer?, _ nLosses: UInt, _ partLosses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) -> Int32 {
    guarded { () throws(LossKitError) in
        // The order of the checks is the header's: dtype and reduction, the parts, sizes, the
        // parts' conventions, target lengths, each part's own checks.
        _ = try scalarType(dtype)
        guard let reduction = RowReduction(rawValue: reduction) else {
            throw LossKitError(.invalidArgument,
                "reduction must be LK_REDUCTION_NONE, _MEAN, _SUM or _BATCHMEAN (0, 1, 2, 3), got \(reduction)")
        }
        // At most this many parts, so no count can overflow below.
        guard nParts >= 1 && nParts <= 64 else {
            throw LossKitError(.invalidArgument, "n_parts must be in [1, 64], got \(nParts)")
        }
        let partCount = Int(nParts)
        guard let partLoss else { throw LossKitError(.nullPointer, "part_loss is NULL") }
        guard let partWeight else { throw LossKitError(.nullPointer, "part_weight is NULL") }
        // Each part's parameter count is checked against its loss before params is read.
        var terms: [HybridTerm] = []
        var offset = 0
        for k in 0..<partCount {
            let given = nParams.map { $0[k] } ?? 0
            let spec: LossSpec
            do throws(LossKitError) {
                let probe = try HybridTerm(id: Int(partLoss[k]))
                spec = probe.spec
                guard given <= UInt(spec.parameters.count) else {
                    throw LossKitError(.invalidArgument,
                        "n_params[\(k)]: \(spec.name) takes at most \(spec.parameters.count) parameter(s), got \(given)")
                }
                if given > 0 && params == nil { throw LossKitError(.nullPointer, "params is NULL") }
                let values = (0..<Int(given)).map { params![offset + $0] }
                offset += Int(given)
                terms.append(try HybridTerm(id: Int(partLoss[k]), parameters: values, weight: partWeight[k]))
            } catch {
                throw LossKitError(error.status, "part \(k): \(error.message)")
            }
        }
        let rowCount = try length(rows, "rows")
        let classCount = try length(classes, "classes")
        let elements = rowCount.multipliedReportingOverflow(by: classCount)
        guard !elements.overflow, elements.partialValue <= Int.max / 8 / partCount else {
            throw LossKitError(.shapeMismatch, "rows × classes = \(rows) × \(classes) is larger than any array can be")
        }
        let input = try required(input, "input", count: elements.partialValue)
        // The parts' conventions first (they read no array), so that a wrong combination of
        // parts is reported as such rather than as a length.
        try HybridProblem<Double>(rows: rowCount, classes: classCount,
                                  input: UnsafePointer(bitPattern: MemoryLayout<Double>.alignment)!,
                                  targetIndex: targetIndex, targetValues: typed(targetValues, Double.self),
                                  reduction: reduction, losses: typed(losses, Double.self),
                                  partLosses: typed(partLosses, Double.self)).checkConventions(terms)
        if targetIndex != nil {
            let lists = terms.contains { $0.spec.rowTarget == .classIndices }
            let expected = lists ? elements.partialValue : rowCount
            guard nTargetIndex == UInt(expected) else {
                throw LossKitError(.shapeMismatch,
                    "target: expected \(expected) class indices, got n_target_index = \(nTargetIndex)")
            }
        }
        try withScalarType(dtype) { (scalar) throws(LossKitError) in
            try runHybrid(scalar, terms, rowCount, classCount, input, targetIndex, targetValues,
                          sampleWeight, ignoreIndex, reduction, lossOut, partsOut,
                          losses, nLosses, partLosses, grad, hess)
        }
    }
}

/// The typed body of ``lk_hybrid``.
private func runHybrid<T: LossScalar>(
    _: T.Type, _ terms: [HybridTerm], _ rows: Int, _ classes: Int, _ input: UnsafeRawPointer?,
    _ targetIndex: UnsafePointer<Int64>?, _ targetValues: UnsafeRawPointer?,
    _ sampleWeight: UnsafeRawPointer?, _ ignoreIndex: Int64, _ reduction: RowReduction,
    _ lossOut: UnsafeMutablePointer<Double>?, _ partsOut: UnsafeMutablePointer<Double>?,
    _ losses: UnsafeMutableRawPointer?, _ nLosses: UInt, _ partLosses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) throws(LossKitError) {
    let empty = UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
    let problem = HybridProblem<T>(
        rows: rows, classes: classes, input: typed(input, T.self) ?? empty,
        targetIndex: targetIndex, targetValues: typed(targetValues, T.self),
        sampleWeight: typed(sampleWeight, T.self), ignoreIndex: ignoreIndex, reduction: reduction,
        losses: reduction == .none ? typed(losses, T.self) : nil,
        partLosses: reduction == .none ? typed(partLosses, T.self) : nil,
        grad: typed(grad, T.self), hess: typed(hess, T.self))
    try problem.validate(terms)
    if reduction == .none && (losses != nil || partLosses != nil) {
        let expected = problem.lossCount(terms[0])
        guard nLosses == UInt(expected) else {
            throw LossKitError(.shapeMismatch,
                "losses: reduction 'none' writes \(expected) values per part, got n_losses = \(nLosses)")
        }
    }
    deliver(try evaluate(terms, problem, parts: partsOut), to: lossOut)
}
