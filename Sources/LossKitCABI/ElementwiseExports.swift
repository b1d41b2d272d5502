import LossKit

@c
public func lk_elementwise(
    _ loss: Int32, _ params: UnsafePointer<Double>?, _ nParams: UInt,
    _ dtype: Int32, _ n: UInt, _ input: UnsafeRawPointer?, _ target: UnsafeRawPointer?,
    _ weight: UnsafeRawPointer?, _ nWeight: UInt, _ weighting: Int32,
    _ column: UnsafeRawPointer?, _ nColumn: UInt, _ reduction: Int32,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) -> Int32 {
    guarded { () throws(LossKitError) in
        let type = try Catalogue.elementwiseLoss(id: Int(loss))
        let count = try length(n, "n")
        // The count is checked before params is read: a wrong n_params says nothing about how
        // many values params really holds, and copying a huge n_params would trap.
        let paramCount = type.spec.parameters.count
        guard nParams == UInt(paramCount) else {
            throw LossKitError(.invalidArgument,
                "n_params: \(type.spec.name) takes \(paramCount) parameter(s), got \(nParams)")
        }
        let values = try required(params, "params", count: paramCount)
            .map { Array(UnsafeBufferPointer(start: $0, count: paramCount)) } ?? []
        try type.spec.validate(values)
        let reduction = try LossKitCABI.reduction(reduction)
        let weighting = try LossKitCABI.weighting(weighting)
        let input = try required(input, "input", count: count)
        let target = try required(target, "target", count: count)
        let weightCount = try length(nWeight, "n_weight")
        let columnCount = try length(nColumn, "n_column")
        try withScalarType(dtype) { (scalar) throws(LossKitError) in
            try run(type, scalar, values, count, input, target, weight, weightCount, weighting,
                    column, columnCount, reduction, lossOut, losses, grad, hess)
        }
    }
}

/// The typed body of ``lk_elementwise``, once the loss type and scalar type are known.
private func run<L: ElementwiseLoss, T: LossScalar>(
    _: L.Type, _: T.Type, _ values: [Double], _ count: Int,
    _ input: UnsafeRawPointer?, _ target: UnsafeRawPointer?,
    _ weight: UnsafeRawPointer?, _ weightCount: Int, _ weighting: Weighting,
    _ column: UnsafeRawPointer?, _ columnCount: Int, _ reduction: Reduction,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?
) throws(LossKitError) {
    // With no elements every array may be NULL; any non-NULL address will do, nothing is read.
    let empty = UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
    let problem = ElementwiseProblem<T>(
        count: count, input: typed(input, T.self) ?? empty, target: typed(target, T.self) ?? empty,
        weight: typed(weight, T.self), weightCount: weightCount, weighting: weighting,
        column: typed(column, T.self), columnCount: columnCount, reduction: reduction,
        losses: typed(losses, T.self), grad: typed(grad, T.self), hess: typed(hess, T.self))
    try problem.validate(for: L.spec)
    lossOut?.pointee = T.evaluate(L.self, parameters: values, problem)
}
