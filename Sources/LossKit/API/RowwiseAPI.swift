/// The target of a row-wise loss, in the form its catalogue entry asks for (``LossSpec/rowTarget``).
public enum RowwiseTarget<T: LossScalar>: Sendable {
    /// One class index per row (``RowTarget/classIndex``), or for multi-label losses
    /// (``RowTarget/classIndices``) rows × classes indices, each row padded with -1.
    case classIndices([Int])
    /// Rows × classes target values (``RowTarget/values``), e.g. probabilities for `kl_div`.
    case values([T])
    /// No target, for losses that take none (such as the entropy).
    case none
}

/// Evaluates a row-wise loss (``RowwiseLoss``: softmax, margin, multi-label and divergence
/// losses over rows of `classes` scores) on arrays, with the same validation and kernels as
/// the C ABI's `lk_rowwise`.
///
///     let r = try evaluate(NLLLoss.self, input: [-0.5, -1.5, -2.0, -0.1] as [Double], classes: 2,
///                          target: .classIndices([0, 1]))
///     // r.loss == (0.5 + 0.1) / 2, r.grad == [-0.5, 0, 0, -0.5]
///
/// - Parameters:
///   - parameters: the loss's parameters in catalogue order; nil takes every default.
///   - input: rows × `classes` scores, row-major.
///   - classWeight: nil, or one weight per class, for losses with a class weight.
///   - sampleWeight: nil, or one weight per row.
///   - ignoreIndex: rows whose class index is this get loss 0 and zero derivatives.
/// - Returns: losses per row (per element for element-wise losses such as `kl_div`) for
///   ``RowReduction/none``, and the gradient and Hessian diagonal with respect to `input`.
/// - Throws: ``LossKitError`` for mismatched lengths, a target of the wrong kind, class indices,
///   parameters, target values or weights out of range.
public func evaluate<L: RowwiseLoss, T: LossScalar>(
    _ loss: L.Type, parameters: [Double]? = nil, input: [T], classes: Int, target: RowwiseTarget<T>,
    classWeight: [T]? = nil, sampleWeight: [T]? = nil, ignoreIndex: Int = -100,
    reduction: RowReduction = .mean
) throws(LossKitError) -> LossResult<T> {
    let name = L.spec.name
    let values = parameters ?? L.spec.parameters.map(\.defaultValue)
    guard classes > 0, input.count % classes == 0 else {
        throw LossKitError(.shapeMismatch, "\(name): input has \(input.count) values, which is not a multiple of classes (\(classes))")
    }
    let rows = input.count / classes
    var index: [Int64]? = nil
    var targetValues: [T]? = nil
    switch target {
    case .classIndices(let y):
        let expected = L.spec.rowTarget == .classIndices ? input.count : rows
        guard y.count == expected else {
            throw LossKitError(.shapeMismatch, "\(name): target has \(y.count) class indices, expected \(expected)")
        }
        index = y.map(Int64.init)
    case .values(let t):
        guard t.count == input.count else {
            throw LossKitError(.shapeMismatch, "\(name): target has \(t.count) values, input has \(input.count)")
        }
        targetValues = t
    case .none: break
    }
    if let classWeight, classWeight.count != classes {
        throw LossKitError(.shapeMismatch, "\(name): class weight has \(classWeight.count) values, expected \(classes)")
    }
    if let sampleWeight, sampleWeight.count != rows {
        throw LossKitError(.shapeMismatch, "\(name): sample_weight has \(sampleWeight.count) values, expected \(rows)")
    }
    var losses = [T](repeating: 0, count: reduction == .none ? (L.elementLosses ? input.count : rows) : 0)
    var grad = [T](repeating: 0, count: input.count)
    var hess = [T](repeating: 0, count: input.count)
    let total = try input.withUnsafeBufferPointer { x throws(LossKitError) in
        try (index ?? []).withUnsafeBufferPointer { y throws(LossKitError) in
            try (targetValues ?? []).withUnsafeBufferPointer { t throws(LossKitError) in
                try (classWeight ?? []).withUnsafeBufferPointer { cw throws(LossKitError) in
                    try (sampleWeight ?? []).withUnsafeBufferPointer { sw throws(LossKitError) in
                        try losses.withUnsafeMutableBufferPointer { l throws(LossKitError) in
                            try grad.withUnsafeMutableBufferPointer { g throws(LossKitError) in
                                try hess.withUnsafeMutableBufferPointer { h throws(LossKitError) in
                                    let problem = RowwiseProblem<T>(
                                        rows: rows, classes: classes, input: x.baseAddress ?? placeholder(),
                                        targetIndex: index == nil ? nil : (y.baseAddress ?? placeholder()),
                                        targetValues: targetValues == nil ? nil : (t.baseAddress ?? placeholder()),
                                        classWeight: classWeight == nil ? nil : (cw.baseAddress ?? placeholder()),
                                        sampleWeight: sampleWeight == nil ? nil : (sw.baseAddress ?? placeholder()),
                                        ignoreIndex: Int64(ignoreIndex), reduction: reduction,
                                        losses: l.baseAddress, grad: g.baseAddress, hess: h.baseAddress)
                                    try problem.validate(L.self, parameters: values)
                                    return T.evaluate(L.self, parameters: values, problem)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return LossResult(loss: total, losses: losses, grad: grad, hess: hess)
}
