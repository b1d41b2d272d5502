/// The target of a segmentation loss.
public enum OverlapTarget<T: LossScalar>: Sendable {
    /// A class map: batch × spatial class indices in [0, classes) (0/1 when classes is 1).
    case classMap([Int])
    /// A target map of the input's shape: one-hot or probabilities in [0, 1].
    case values([T])
}

/// Evaluates a segmentation overlap loss (``OverlapLoss``: Dice, Jaccard, Tversky, Lovász and
/// the like) on arrays in PyTorch's (N, C, spatial...) layout with the spatial axes
/// flattened, with the same validation and kernels as the C ABI's `lk_overlap`.
///
///     let r = try evaluate(DiceLoss.self, input: [0.9, 0.2, 0.1, 0.8] as [Double], classes: 1, spatial: 4,
///                          target: .classMap([1, 0, 0, 1]))
///
/// - Parameters:
///   - parameters: the loss's parameters in catalogue order; nil takes every default.
///   - input: batch × `classes` × `spatial` scores, row-major.
///   - classWeight: nil, or one weight per class.
///   - sampleWeight: nil, or one weight per sample.
/// - Returns: per-sample losses for ``Reduction/none``, and the gradient and Hessian diagonal
///   with respect to `input`.
/// - Throws: ``LossKitError`` for mismatched lengths, class indices or target values out of
///   range, probabilities outside [0, 1] (for losses that take probabilities), parameters or
///   weights out of range.
public func evaluate<L: OverlapLoss, T: LossScalar>(
    _ loss: L.Type, parameters: [Double]? = nil, input: [T], classes: Int, spatial: Int,
    target: OverlapTarget<T>, classWeight: [T]? = nil, sampleWeight: [T]? = nil, reduction: Reduction = .mean
) throws(LossKitError) -> LossResult<T> {
    let name = L.spec.name
    let values = parameters ?? L.spec.parameters.map(\.defaultValue)
    try L.spec.validate(values)
    let (perSample, overflow) = classes.multipliedReportingOverflow(by: spatial)
    guard classes > 0, spatial > 0, !overflow, input.count % perSample == 0 else {
        throw LossKitError(.shapeMismatch,
            "\(name): input has \(input.count) values, which is not a multiple of classes (\(classes)) × spatial (\(spatial))")
    }
    let batch = input.count / perSample
    var index: [Int64]? = nil
    var targetValues: [T]? = nil
    switch target {
    case .classMap(let y):
        guard y.count == batch * spatial else {
            throw LossKitError(.shapeMismatch, "\(name): target has \(y.count) class indices, expected \(batch * spatial)")
        }
        index = y.map(Int64.init)
    case .values(let t):
        guard t.count == input.count else {
            throw LossKitError(.shapeMismatch, "\(name): target has \(t.count) values, input has \(input.count)")
        }
        targetValues = t
    }
    if let classWeight, classWeight.count != classes {
        throw LossKitError(.shapeMismatch, "\(name): class weight has \(classWeight.count) values, expected \(classes)")
    }
    if let sampleWeight, sampleWeight.count != batch {
        throw LossKitError(.shapeMismatch, "\(name): sample_weight has \(sampleWeight.count) values, expected \(batch)")
    }
    let formula = L(parameters: values)
    var losses = [T](repeating: 0, count: reduction == .none ? batch : 0)
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
                                    let problem = OverlapProblem<T>(
                                        batch: batch, classes: classes, spatial: spatial,
                                        input: x.baseAddress ?? placeholder(),
                                        targetIndex: index == nil ? nil : (y.baseAddress ?? placeholder()),
                                        targetValues: targetValues == nil ? nil : (t.baseAddress ?? placeholder()),
                                        classWeight: classWeight == nil ? nil : (cw.baseAddress ?? placeholder()),
                                        sampleWeight: sampleWeight == nil ? nil : (sw.baseAddress ?? placeholder()),
                                        reduction: reduction, losses: l.baseAddress, grad: g.baseAddress,
                                        hess: h.baseAddress)
                                    try problem.validate(formula)
                                    return try T.evaluate(L.self, parameters: values, problem)
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
