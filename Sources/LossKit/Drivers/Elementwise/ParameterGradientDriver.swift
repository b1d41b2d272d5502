/// Runs a ``ParameterDifferentiableLoss``: everything the plain ``evaluate(_:_:)`` does, plus
/// the derivatives beyond the input, in the same pass:
///
/// - `parameterGrad[k]` = ∂(result)/∂θ_k = Σᵢ wᵢ·∂lᵢ/∂θ_k, divided by the mean's denominator
///   for ``Reduction/mean`` (for ``Reduction/none``: the derivative of the sum of the
///   per-element losses). Summed like the loss: SIMD lanes within a block, blocks in Double.
/// - `columnGrad[i]` = wᵢ·∂lᵢ/∂cᵢ (times the reduction factor), for the column value cᵢ that
///   element i used. Where several elements share a column value, the caller sums theirs.
///
/// Returns the reduced loss.
@inlinable
public func evaluate<L: ParameterDifferentiableLoss, T: LossScalar>(
    _ loss: L, _ p: ElementwiseProblem<T>
) -> Double {
    let (denominator, scale) = p.reductionScale
    var total = 0.0
    var parameterTotals = ParameterSlots<Double>(repeating: 0)
    var start = 0
    while start < p.count {
        let end = Swift.min(start + accumulationBlock, p.count)
        total += parameterBlock(loss, p, start, end, T(scale), &parameterTotals)
        start = end
    }
    if let out = p.parameterGrad {
        for k in 0..<Swift.min(L.spec.parameters.count, ParameterDerivatives<T.Vector>.capacity) {
            out[k] = p.reduced(parameterTotals[k], denominator)
        }
    }
    return p.reduced(total, denominator)
}

/// Elements [start, end) of the parameter-differentiating ``evaluate(_:_:)``: returns their
/// weighted loss sum and adds their weighted parameter derivatives to `parameterTotals`.
@inlinable
func parameterBlock<L: ParameterDifferentiableLoss, T: LossScalar>(
    _ loss: L, _ p: ElementwiseProblem<T>, _ start: Int, _ end: Int, _ scale: T,
    _ parameterTotals: inout ParameterSlots<Double>
) -> Double {
    typealias V = T.Vector
    let parameterCount = Swift.min(L.spec.parameters.count, ParameterDerivatives<V>.capacity)
    var acc = V.zero
    var parameterAcc = ParameterSlots<V>(repeating: .zero)
    var i = start
    while i < end {
        let lanes = Swift.min(V.scalarCount, end - i)
        let (x, y, w, c) = operands(p, i, lanes)
        let (terms, derivatives) = loss.evaluateWithParameterDerivatives(x, y, column: c)
        acc += write(terms, weight: w, scale: scale, p, i, lanes, LossAndDerivatives.self)
        for k in 0..<parameterCount {
            var wd = w * derivatives.parameters[k]
            if lanes < V.scalarCount { wd = wd.replacing(with: 0, where: laneMask(V.self, lanes)) }
            parameterAcc[k] += wd
        }
        if let out = p.columnGrad { store(w * V(repeating: scale) * derivatives.column, out, i, lanes) }
        i += lanes
    }
    for k in 0..<parameterCount { parameterTotals[k] += parameterAcc[k].sumInDouble }
    return acc.sumInDouble
}
