/// The losses of an array call: the reduced loss, per-element losses (for
/// ``Reduction/none``) and the gradient and Hessian diagonal of the result.
public struct LossResult<T: LossScalar>: Sendable {
    /// The reduced loss (for ``Reduction/none``, the sum of ``losses``).
    public var loss: Double
    /// The weighted per-element (or per-row) losses; empty unless the reduction is `.none`.
    public var losses: [T]
    /// ∂(result)/∂input, one value per input element.
    public var grad: [T]
    /// The diagonal of ∂²(result)/∂input², one value per input element.
    public var hess: [T]
}

/// Evaluates an elementwise loss on arrays, with the same validation and kernels as the C ABI.
///
///     let r = try evaluate(HuberLoss(delta: 1), input: [0.5, 3.0] as [Double], target: [0, 0])
///     // r.loss == 1.3125, r.grad == [0.25, 0.5], r.hess == [0.5, 0]
///
/// - Parameters:
///   - sampleWeight: nil, one weight per element, or one per row of `input.count / weights`
///     consecutive elements; the mean is Σ w·l / Σ w.
/// - Throws: ``LossKitError`` for mismatched lengths, out-of-range parameters, weights or
///   labels.
public func evaluate<L: ElementwiseLoss, T: LossScalar>(
    _ loss: L, input: [T], target: [T], sampleWeight: [T]? = nil, reduction: Reduction = .mean
) throws(LossKitError) -> LossResult<T> {
    try L.spec.validate(loss.parameters)
    guard target.count == input.count else {
        throw LossKitError(.shapeMismatch, "target has \(target.count) elements, input has \(input.count)")
    }
    let n = input.count
    var losses = [T](repeating: 0, count: reduction == .none ? n : 0)
    var grad = [T](repeating: 0, count: n)
    var hess = [T](repeating: 0, count: n)
    let weights = sampleWeight ?? []
    let total = try input.withUnsafeBufferPointer { x throws(LossKitError) in
        try target.withUnsafeBufferPointer { y throws(LossKitError) in
            try weights.withUnsafeBufferPointer { w throws(LossKitError) in
                try losses.withUnsafeMutableBufferPointer { l throws(LossKitError) in
                    try grad.withUnsafeMutableBufferPointer { g throws(LossKitError) in
                        try hess.withUnsafeMutableBufferPointer { h throws(LossKitError) in
                            let problem = ElementwiseProblem<T>(
                                count: n, input: x.baseAddress ?? placeholder(), target: y.baseAddress ?? placeholder(),
                                weight: sampleWeight == nil ? nil : (w.baseAddress ?? placeholder()),
                                weightCount: weights.count, reduction: reduction,
                                losses: l.baseAddress, grad: g.baseAddress, hess: h.baseAddress)
                            try problem.validate(for: L.spec)
                            return T.evaluate(L.self, parameters: loss.parameters, problem)
                        }
                    }
                }
            }
        }
    }
    return LossResult(loss: total, losses: losses, grad: grad, hess: hess)
}

/// Softmax cross-entropy on row-major `(rows, classes)` logits against class indices, with
/// PyTorch's semantics (see ``CrossEntropyProblem``).
///
///     let r = try crossEntropy(logits: [2, 0, 0, 0, 2, 0] as [Float], classes: 3, targets: [0, 1])
public func crossEntropy<T: LossScalar>(
    logits: [T], classes: Int, targets: [Int], classWeight: [T]? = nil, sampleWeight: [T]? = nil,
    ignoreIndex: Int = -100, labelSmoothing: Double = 0, reduction: Reduction = .mean
) throws(LossKitError) -> LossResult<T> {
    guard classes > 0, logits.count % classes == 0, logits.count / classes == targets.count else {
        throw LossKitError(.shapeMismatch,
            "logits has \(logits.count) values, which is not targets.count (\(targets.count)) × classes (\(classes))")
    }
    if let classWeight, classWeight.count != classes {
        throw LossKitError(.shapeMismatch, "weight has \(classWeight.count) values, expected \(classes)")
    }
    if let sampleWeight, sampleWeight.count != targets.count {
        throw LossKitError(.shapeMismatch, "sample_weight has \(sampleWeight.count) values, expected \(targets.count)")
    }
    let rows = targets.count
    let index = targets.map(Int64.init)
    var losses = [T](repeating: 0, count: reduction == .none ? rows : 0)
    var grad = [T](repeating: 0, count: logits.count)
    var hess = [T](repeating: 0, count: logits.count)
    let total = try logits.withUnsafeBufferPointer { z throws(LossKitError) in
        try index.withUnsafeBufferPointer { y throws(LossKitError) in
            try (classWeight ?? []).withUnsafeBufferPointer { cw throws(LossKitError) in
                try (sampleWeight ?? []).withUnsafeBufferPointer { sw throws(LossKitError) in
                    try losses.withUnsafeMutableBufferPointer { l throws(LossKitError) in
                        try grad.withUnsafeMutableBufferPointer { g throws(LossKitError) in
                            try hess.withUnsafeMutableBufferPointer { h throws(LossKitError) in
                                let problem = CrossEntropyProblem<T>(
                                    rows: rows, classes: classes, logits: z.baseAddress ?? placeholder(),
                                    targetIndex: y.baseAddress ?? placeholder(),
                                    classWeight: classWeight == nil ? nil : cw.baseAddress,
                                    sampleWeight: sampleWeight == nil ? nil : sw.baseAddress,
                                    ignoreIndex: Int64(ignoreIndex), labelSmoothing: labelSmoothing,
                                    reduction: reduction, losses: l.baseAddress,
                                    grad: g.baseAddress, hess: h.baseAddress)
                                try problem.validate()
                                return T.evaluate(problem)
                            }
                        }
                    }
                }
            }
        }
    }
    return LossResult(loss: total, losses: losses, grad: grad, hess: hess)
}

/// A non-null pointer for an empty array, which the drivers never read.
@usableFromInline
func placeholder<T>() -> UnsafePointer<T> {
    UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!
}
