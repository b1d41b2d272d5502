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
    lk_elementwise_param_grad(loss, params, nParams, dtype, n, input, target, weight, nWeight,
                              weighting, column, nColumn, reduction, lossOut, losses, grad, hess,
                              nil, nil)
}

@c
public func lk_elementwise_param_grad(
    _ loss: Int32, _ params: UnsafePointer<Double>?, _ nParams: UInt,
    _ dtype: Int32, _ n: UInt, _ input: UnsafeRawPointer?, _ target: UnsafeRawPointer?,
    _ weight: UnsafeRawPointer?, _ nWeight: UInt, _ weighting: Int32,
    _ column: UnsafeRawPointer?, _ nColumn: UInt, _ reduction: Int32,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?, _ hess: UnsafeMutableRawPointer?,
    _ paramGrad: UnsafeMutablePointer<Double>?, _ columnGrad: UnsafeMutableRawPointer?
) -> Int32 {
    guarded { () throws(LossKitError) in
        let type = try Catalogue.elementwiseLoss(id: Int(loss))
        let count = try length(n, "n")
        // The count is checked before params is read: a wrong n_params says nothing about how
        // many values params really holds, and copying a huge n_params would trap. Fewer
        // values than the loss has parameters leave the trailing ones at their defaults, so a
        // loss can gain a parameter without breaking a caller compiled before it had one.
        let spec = type.spec  // one copy of the catalogue entry per call, not one per use
        let specs = spec.parameters
        guard nParams <= UInt(specs.count) else {
            throw LossKitError(.invalidArgument,
                "n_params: \(spec.name) takes at most \(specs.count) parameter(s), got \(nParams)")
        }
        let given = Int(nParams)
        var values = [Double]()
        if !specs.isEmpty {
            values.reserveCapacity(specs.count)
            if let params = try required(params, "params", count: given) {
                values.append(contentsOf: UnsafeBufferPointer(start: params, count: given))
            }
            for parameter in specs[given...] { values.append(parameter.defaultValue) }
        }
        try spec.validate(values)
        let reduction = try LossKitCABI.reduction(reduction)
        let weighting = try LossKitCABI.weighting(weighting)
        let input = try required(input, "input", count: count)
        let target = try required(target, "target", count: count)
        let weightCount = try length(nWeight, "n_weight")
        let columnCount = try length(nColumn, "n_column")
        // The driver writes a derivative for every parameter of the loss, but param_grad
        // holds only n_params (fewer when trailing parameters keep their defaults): then the
        // driver writes into scratch and the caller gets the first n_params.
        let paramScratch = paramGrad != nil && given < specs.count
            ? UnsafeMutablePointer<Double>.allocate(capacity: specs.count) : nil
        defer { paramScratch?.deallocate() }
        let outputs = Outputs(lossOut: lossOut, losses: losses, grad: grad, hess: hess,
                              paramGrad: paramScratch ?? paramGrad, columnGrad: columnGrad)
        let differentiable = type as? any ParameterDifferentiableLoss.Type
        let differentiating = paramGrad != nil || columnGrad != nil
        if differentiating {
            guard let differentiable else {
                throw LossKitError(.invalidArgument,
                    "\(spec.name) has no derivatives with respect to its parameters; pass NULL param_grad and column_grad")
            }
            guard differentiable.spec.parameters.count <= ParameterDerivatives<SIMD8<Double>>.capacity else {
                throw LossKitError(.internalError, "\(spec.name) has more parameters than can be differentiated")
            }
        }
        // Each branch calls a witness specialised for the loss and the scalar type (see
        // ElementwiseLoss.evaluate(parameters:_:)); a generic call would run unspecialised.
        switch dtype {
        case 0:
            let p = try problem(spec, Float.self, count, input, target, weight, weightCount,
                                weighting, column, columnCount, reduction, outputs)
            let result = differentiating ? differentiable!.runDifferentiatingParameters(values, p) : type.evaluate(parameters: values, p)
            deliver(result, to: lossOut)
        case 1:
            let p = try problem(spec, Double.self, count, input, target, weight, weightCount,
                                weighting, column, columnCount, reduction, outputs)
            let result = differentiating ? differentiable!.runDifferentiatingParameters(values, p) : type.evaluate(parameters: values, p)
            deliver(result, to: lossOut)
        default:
            throw LossKitError(.unsupportedDType, "dtype must be LK_FLOAT32 (0) or LK_FLOAT64 (1), got \(dtype)")
        }
        if let paramScratch, let paramGrad { paramGrad.update(from: paramScratch, count: given) }
    }
}

/// The output pointers of ``lk_elementwise_param_grad``, as the caller passed them.
private struct Outputs {
    var lossOut: UnsafeMutablePointer<Double>?
    var losses: UnsafeMutableRawPointer?
    var grad: UnsafeMutableRawPointer?
    var hess: UnsafeMutableRawPointer?
    var paramGrad: UnsafeMutablePointer<Double>?
    var columnGrad: UnsafeMutableRawPointer?
}

/// The validated problem of one call, once the scalar type is known.
private func problem<T: LossScalar>(
    _ spec: LossSpec, _: T.Type, _ count: Int,
    _ input: UnsafeRawPointer?, _ target: UnsafeRawPointer?,
    _ weight: UnsafeRawPointer?, _ weightCount: Int, _ weighting: Weighting,
    _ column: UnsafeRawPointer?, _ columnCount: Int, _ reduction: Reduction, _ outputs: Outputs
) throws(LossKitError) -> ElementwiseProblem<T> {
    // With no elements every array may be NULL; any non-NULL address will do, nothing is read.
    let empty = UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
    let problem = ElementwiseProblem<T>(
        count: count, input: typed(input, T.self) ?? empty, target: typed(target, T.self) ?? empty,
        weight: typed(weight, T.self), weightCount: weightCount, weighting: weighting,
        column: typed(column, T.self), columnCount: columnCount, reduction: reduction,
        losses: typed(outputs.losses, T.self), grad: typed(outputs.grad, T.self),
        hess: typed(outputs.hess, T.self), parameterGrad: outputs.paramGrad,
        columnGrad: typed(outputs.columnGrad, T.self), needsLoss: outputs.lossOut != nil)
    try problem.validate(for: spec)
    return problem
}
