/// The result of an embedding loss: the loss and the gradient with respect to each input.
public struct EmbeddingResult<T: LossScalar>: Sendable {
    /// The reduced loss (for ``Reduction/none``, the sum of ``losses``).
    public var loss: Double
    /// The weighted per-tuple losses; empty unless the reduction is `.none`.
    public var losses: [T]
    /// ∂(result)/∂inputs[k] for every input, each of the inputs' length.
    public var grads: [[T]]
}

/// Evaluates an embedding loss (``EmbeddingLoss``: pairs of rows, triplets, or one value with
/// a label) on arrays, with the same validation and kernels as the C ABI's `lk_embedding`.
///
///     let r = try evaluate(TripletMarginLoss.self, inputs: [[0, 0], [1, 0], [0, 2]] as [[Double]], dim: 2)
///     // r.loss == max(1 + 1 - 2, 0) == 0 (p = 2 distances, margin 1)
///
/// - Parameters:
///   - parameters: the loss's parameters in catalogue order; nil takes every default.
///   - inputs: the loss's arity of arrays (anchor, positive, negative; or input1, input2),
///     each rows × `dim` values, row-major.
///   - target: one label per row for losses that take one, else nil.
///   - swap: the distance swap of `triplet_margin_loss` (only for losses that take it).
///   - sampleWeight: nil, or one weight per row.
/// - Throws: ``LossKitError`` for the wrong number of inputs, mismatched lengths, parameters or
///   labels out of range, or bad weights.
public func evaluate<L: EmbeddingLoss, T: LossScalar>(
    _ loss: L.Type, parameters: [Double]? = nil, inputs: [[T]], dim: Int, target: [T]? = nil, swap: Bool = false,
    sampleWeight: [T]? = nil, reduction: Reduction = .mean
) throws(LossKitError) -> EmbeddingResult<T> {
    let name = L.spec.name
    let values = parameters ?? L.spec.parameters.map(\.defaultValue)
    try L.spec.validate(values)
    guard inputs.count == L.arity else {
        throw LossKitError(.invalidArgument, "inputs: \(name) takes \(L.arity) input array(s), got \(inputs.count)")
    }
    guard !swap || L.takesSwap else { throw LossKitError(.invalidArgument, "swap: \(name) has no distance swap") }
    guard dim > 0, inputs[0].count % dim == 0 else {
        throw LossKitError(.shapeMismatch, "\(name): input1 has \(inputs[0].count) values, which is not a multiple of dim (\(dim))")
    }
    let rows = inputs[0].count / dim
    for (k, x) in inputs.enumerated() where x.count != inputs[0].count {
        throw LossKitError(.shapeMismatch, "\(name): input\(k + 1) has \(x.count) values, input1 has \(inputs[0].count)")
    }
    if let target, target.count != rows {
        throw LossKitError(.shapeMismatch, "\(name): target has \(target.count) values, expected \(rows)")
    }
    if let sampleWeight, sampleWeight.count != rows {
        throw LossKitError(.shapeMismatch, "\(name): sample_weight has \(sampleWeight.count) values, expected \(rows)")
    }
    // Unused slots stay empty; the problem gets nil for them.
    let x = inputs + [[T]](repeating: [], count: 3 - inputs.count)
    // Three arrays, not one array of arrays: their buffers are borrowed mutably at once.
    var grad0 = [T](repeating: 0, count: inputs[0].count)
    var grad1 = [T](repeating: 0, count: L.arity > 1 ? inputs[0].count : 0)
    var grad2 = [T](repeating: 0, count: L.arity > 2 ? inputs[0].count : 0)
    var losses = [T](repeating: 0, count: reduction == .none ? rows : 0)
    let arity = L.arity
    let total = try x[0].withUnsafeBufferPointer { x0 throws(LossKitError) in
        try x[1].withUnsafeBufferPointer { x1 throws(LossKitError) in
            try x[2].withUnsafeBufferPointer { x2 throws(LossKitError) in
                try (target ?? []).withUnsafeBufferPointer { y throws(LossKitError) in
                    try (sampleWeight ?? []).withUnsafeBufferPointer { w throws(LossKitError) in
                        try losses.withUnsafeMutableBufferPointer { l throws(LossKitError) in
                            try grad0.withUnsafeMutableBufferPointer { g0 throws(LossKitError) in
                                try grad1.withUnsafeMutableBufferPointer { g1 throws(LossKitError) in
                                    try grad2.withUnsafeMutableBufferPointer { g2 throws(LossKitError) in
                                        let problem = EmbeddingProblem<T>(
                                            rows: rows, dim: dim, x0: x0.baseAddress ?? placeholder(),
                                            x1: arity > 1 ? (x1.baseAddress ?? placeholder()) : nil,
                                            x2: arity > 2 ? (x2.baseAddress ?? placeholder()) : nil,
                                            target: target == nil ? nil : (y.baseAddress ?? placeholder()),
                                            sampleWeight: sampleWeight == nil ? nil : (w.baseAddress ?? placeholder()),
                                            reduction: reduction, losses: l.baseAddress,
                                            grad0: g0.baseAddress, grad1: arity > 1 ? g1.baseAddress : nil,
                                            grad2: arity > 2 ? g2.baseAddress : nil)
                                        try problem.validate(for: L.self)
                                        return T.evaluate(L.self, parameters: values, swap: swap, problem)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return EmbeddingResult(loss: total, losses: losses, grads: Array([grad0, grad1, grad2].prefix(arity)))
}
