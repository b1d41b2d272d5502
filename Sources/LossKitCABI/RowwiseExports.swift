import LossKit

@c
public func lk_rowwise(
    _ loss: Int32, _ params: UnsafePointer<Double>?, _ nParams: UInt, _ dtype: Int32,
    _ rows: UInt, _ classes: UInt, _ input: UnsafeRawPointer?,
    _ targetIndex: UnsafePointer<Int64>?, _ nTargetIndex: UInt, _ targetValues: UnsafeRawPointer?,
    _ classWeight: UnsafeRawPointer?, _ sampleWeight: UnsafeRawPointer?,
    _ ignoreIndex: Int64, _ reduction: Int32,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?, _ nLosses: UInt,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) -> Int32 {
    guarded { () throws(LossKitError) in
        let type = try Catalogue.rowwiseLoss(id: Int(loss))
        let parameterCount = type.spec.parameters.count
        guard nParams == UInt(parameterCount) else {
            throw LossKitError(.invalidArgument, "\(type.spec.name) takes \(parameterCount) parameter(s), got n_params = \(nParams)")
        }
        let count = parameterCount
        let values = try required(params, "params", count: count).map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        let rowCount = try length(rows, "rows")
        let classCount = try length(classes, "classes")
        guard let reduction = RowReduction(rawValue: reduction) else {
            throw LossKitError(.invalidArgument,
                "reduction must be LK_REDUCTION_NONE, _MEAN, _SUM or _BATCHMEAN (0, 1, 2, 3), got \(reduction)")
        }
        let elements = rowCount.multipliedReportingOverflow(by: classCount)
        guard !elements.overflow, elements.partialValue <= Int.max / 8 else {
            throw LossKitError(.shapeMismatch, "rows × classes = \(rows) × \(classes) is larger than any array can be")
        }
        let input = try required(input, "input", count: elements.partialValue)
        if targetIndex != nil {
            let expected: Int? = switch type.spec.rowTarget {
            case .classIndex: rowCount
            case .classIndices: elements.partialValue
            default: nil
            }
            if let expected, nTargetIndex != UInt(expected) {
                throw LossKitError(.shapeMismatch,
                    "\(type.spec.name): target: expected \(expected) class indices, got n_target_index = \(nTargetIndex)")
            }
        }
        if reduction == .none && losses != nil {
            let expected = type.elementLosses ? elements.partialValue : rowCount
            guard nLosses == UInt(expected) else {
                throw LossKitError(.shapeMismatch,
                    "\(type.spec.name): losses: reduction 'none' writes \(expected) values, got n_losses = \(nLosses)")
            }
        }
        try withScalarType(dtype) { (scalar) throws(LossKitError) in
            try runRowwise(scalar, type, values, rowCount, classCount, input, targetIndex, targetValues,
                           classWeight, sampleWeight, ignoreIndex, reduction, lossOut, losses, grad, hess)
        }
    }
}

/// The typed body of ``lk_rowwise``.
private func runRowwise<T: LossScalar>(
    _: T.Type, _ loss: any RowwiseLoss.Type, _ parameters: [Double], _ rows: Int, _ classes: Int,
    _ input: UnsafeRawPointer?, _ targetIndex: UnsafePointer<Int64>?, _ targetValues: UnsafeRawPointer?,
    _ classWeight: UnsafeRawPointer?, _ sampleWeight: UnsafeRawPointer?,
    _ ignoreIndex: Int64, _ reduction: RowReduction,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) throws(LossKitError) {
    let empty = UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
    let problem = RowwiseProblem<T>(
        rows: rows, classes: classes, input: typed(input, T.self) ?? empty,
        targetIndex: targetIndex, targetValues: typed(targetValues, T.self),
        classWeight: typed(classWeight, T.self), sampleWeight: typed(sampleWeight, T.self),
        ignoreIndex: ignoreIndex, reduction: reduction,
        losses: typed(losses, T.self), grad: typed(grad, T.self), hess: typed(hess, T.self))
    try problem.validate(loss, parameters: parameters)
    deliver(T.evaluate(loss, parameters: parameters, problem), to: lossOut)
}
