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

/// The target every part of a hybrid loss reads (see ``HybridProblem``).
public enum HybridTarget<T: LossScalar>: Sendable {
    /// Values of the input's length: elementwise targets, class probabilities for
    /// cross_entropy, or the target rows of kl_div and the like.
    case values([T])
    /// One class index per row (or, for multilabel_margin_loss, rows × classes indices
    /// padded with -1).
    case classIndices([Int])
    /// No target (only for parts that take none, such as entropy).
    case none
}

/// The result of ``hybrid(_:input:classes:target:sampleWeight:ignoreIndex:reduction:)``.
public struct HybridResult<T: LossScalar>: Sendable {
    /// Σ_k w_k·L_k (for ``RowReduction/none``, the sum of ``losses``).
    public var loss: Double
    /// Each part's value L_k, unweighted, in the order of the parts: what that loss returns alone.
    public var parts: [Double]
    /// Σ_k w_k·(part k's losses); empty unless the reduction is `.none`.
    public var losses: [T]
    /// ∂(result)/∂input and the diagonal of ∂²(result)/∂input², one value per input element.
    public var grad: [T]
    public var hess: [T]
}

/// A weighted sum of catalogue losses on the same prediction and target, with the gradient
/// and Hessian diagonal of the total, each part evaluated by its own kernel.
///
///     let r = try hybrid([HybridTerm("cross_entropy"), HybridTerm("softmax_focal_loss", parameters: [2], weight: 0.5)],
///                        input: [2, 0, 0, 0, 2, 0] as [Double], classes: 3, target: .classIndices([0, 1]))
///     // r.loss == r.parts[0] + 0.5 * r.parts[1]
///
/// - Parameters:
///   - input: rows × `classes` predictions, row-major. Elementwise parts read them as
///     `input.count` elements (`classes` then only sets how many elements share a sample weight).
///   - sampleWeight: nil, or one weight per row.
/// - Throws: ``LossKitError`` for incompatible parts (see ``HybridProblem/validate(_:)``),
///   mismatched lengths, out-of-range parameters, weights or labels.
public func hybrid<T: LossScalar>(
    _ terms: [HybridTerm], input: [T], classes: Int = 1, target: HybridTarget<T>,
    sampleWeight: [T]? = nil, ignoreIndex: Int = -100, reduction: RowReduction = .mean
) throws(LossKitError) -> HybridResult<T> {
    guard classes > 0, input.count % classes == 0 else {
        throw LossKitError(.shapeMismatch, "input has \(input.count) values, which is not a multiple of classes (\(classes))")
    }
    let rows = input.count / classes
    var index: [Int64]? = nil
    var values: [T]? = nil
    switch target {
    case .values(let v):
        guard v.count == input.count else {
            throw LossKitError(.shapeMismatch, "target has \(v.count) values, input has \(input.count)")
        }
        values = v
    case .classIndices(let y):
        let lists = terms.contains { $0.spec.rowTarget == .classIndices }
        guard y.count == (lists ? input.count : rows) else {
            throw LossKitError(.shapeMismatch, "target has \(y.count) class indices, expected \(lists ? input.count : rows)")
        }
        index = y.map(Int64.init)
    case .none: break
    }
    if let sampleWeight, sampleWeight.count != rows {
        throw LossKitError(.shapeMismatch, "sample_weight has \(sampleWeight.count) values, expected \(rows)")
    }
    let n = input.count
    // Validated below before any use; the loss count needs a part to exist.
    let lossCount = reduction == .none && !terms.isEmpty
        ? HybridProblem<T>(rows: rows, classes: classes, input: placeholder()).lossCount(terms[0]) : 0
    var losses = [T](repeating: 0, count: lossCount)
    var grad = [T](repeating: 0, count: n)
    var hess = [T](repeating: 0, count: n)
    var parts = [Double](repeating: 0, count: terms.count)
    let total = try input.withUnsafeBufferPointer { x throws(LossKitError) in
        try (index ?? []).withUnsafeBufferPointer { y throws(LossKitError) in
            try (values ?? []).withUnsafeBufferPointer { t throws(LossKitError) in
                try (sampleWeight ?? []).withUnsafeBufferPointer { w throws(LossKitError) in
                    try losses.withUnsafeMutableBufferPointer { l throws(LossKitError) in
                        try grad.withUnsafeMutableBufferPointer { g throws(LossKitError) in
                            try hess.withUnsafeMutableBufferPointer { h throws(LossKitError) in
                                try parts.withUnsafeMutableBufferPointer { v throws(LossKitError) in
                                    let problem = HybridProblem<T>(
                                        rows: rows, classes: classes, input: x.baseAddress ?? placeholder(),
                                        targetIndex: index == nil ? nil : (y.baseAddress ?? placeholder()),
                                        targetValues: values == nil ? nil : (t.baseAddress ?? placeholder()),
                                        sampleWeight: sampleWeight == nil ? nil : (w.baseAddress ?? placeholder()),
                                        ignoreIndex: Int64(ignoreIndex), reduction: reduction,
                                        losses: reduction == .none ? (l.baseAddress ?? UnsafeMutablePointer(mutating: placeholder())) : nil,
                                        grad: g.baseAddress, hess: h.baseAddress)
                                    try problem.validate(terms)
                                    return try evaluate(terms, problem, parts: v.baseAddress)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return HybridResult(loss: total, parts: parts, losses: losses, grad: grad, hess: hess)
}

/// A non-null pointer for an empty array, which the drivers never read.
@usableFromInline
func placeholder<T>() -> UnsafePointer<T> {
    UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!
}
