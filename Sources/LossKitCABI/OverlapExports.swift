import LossKit

@c
public func lk_overlap(
    _ loss: Int32, _ params: UnsafePointer<Double>?, _ nParams: UInt, _ dtype: Int32,
    _ batch: UInt, _ classes: UInt, _ spatial: UInt, _ input: UnsafeRawPointer?,
    _ targetIndex: UnsafePointer<Int64>?, _ targetValues: UnsafeRawPointer?,
    _ classWeight: UnsafeRawPointer?, _ sampleWeight: UnsafeRawPointer?, _ reduction: Int32,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) -> Int32 {
    guarded { () throws(LossKitError) in
        let type = try Catalogue.overlapLoss(id: Int(loss))
        let parameterCount = type.spec.parameters.count
        guard nParams == UInt(parameterCount) else {
            throw LossKitError(.invalidArgument,
                "n_params: \(type.spec.name) takes \(parameterCount) parameter(s), got \(nParams)")
        }
        let values = try required(params, "params", count: parameterCount)
            .map { Array(UnsafeBufferPointer(start: $0, count: parameterCount)) } ?? []
        try type.spec.validate(values)
        let reduction = try LossKitCABI.reduction(reduction)
        let n = try length(batch, "batch"), c = try length(classes, "classes"), s = try length(spatial, "spatial")
        let (bc, o1) = n.multipliedReportingOverflow(by: c)
        let (cells, o2) = bc.multipliedReportingOverflow(by: s)
        let (_, o3) = n.multipliedReportingOverflow(by: s)  // the class map's length
        guard !o1, !o2, !o3, cells <= Int.max / 8 else {
            throw LossKitError(.shapeMismatch, "batch × classes × spatial is larger than any array can be")
        }
        let input = try required(input, "input", count: cells)
        try withScalarType(dtype) { (scalar) throws(LossKitError) in
            try runOverlap(scalar, type.init(parameters: values), values, n, c, s, input, targetIndex,
                           targetValues, classWeight, sampleWeight, reduction, lossOut, losses, grad, hess)
        }
    }
}

/// The typed body of ``lk_overlap``.
private func runOverlap<T: LossScalar, L: OverlapLoss>(
    _: T.Type, _ loss: L, _ values: [Double], _ n: Int, _ c: Int, _ s: Int,
    _ input: UnsafeRawPointer?, _ targetIndex: UnsafePointer<Int64>?, _ targetValues: UnsafeRawPointer?,
    _ classWeight: UnsafeRawPointer?, _ sampleWeight: UnsafeRawPointer?, _ reduction: Reduction,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) throws(LossKitError) {
    let empty = UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
    let problem = OverlapProblem<T>(
        batch: n, classes: c, spatial: s, input: typed(input, T.self) ?? empty,
        targetIndex: targetIndex, targetValues: typed(targetValues, T.self),
        classWeight: typed(classWeight, T.self), sampleWeight: typed(sampleWeight, T.self),
        reduction: reduction, losses: typed(losses, T.self), grad: typed(grad, T.self), hess: typed(hess, T.self))
    try problem.validate(loss)
    deliver(try T.evaluate(L.self, parameters: values, problem), to: lossOut)
}
