/// The arrays and options of one cross-entropy evaluation over `rows` rows of `classes` logits
/// (row-major). Targets are either class indices (`targetIndex`, one per row) or class
/// probabilities (`targetProbability`, rows × classes); exactly one is given.
///
/// Semantics follow PyTorch's `cross_entropy`: with class weights w and smoothing ε, an index
/// target y gives a_c = (1 - ε)·w_y·[c = y] + ε/C·w_c, and the mean divides by Σ w_y over rows
/// whose target is not `ignoreIndex`; a probability target t gives a_c = w_c·((1 - ε)·t_c + ε/C),
/// and the mean divides by the number of rows. A per-row `sampleWeight` s multiplies each row's
/// loss and its share of the denominator.
public struct CrossEntropyProblem<T: LossScalar> {
    public var rows: Int
    public var classes: Int
    public var logits: UnsafePointer<T>
    public var targetIndex: UnsafePointer<Int64>?
    public var targetProbability: UnsafePointer<T>?
    public var classWeight: UnsafePointer<T>?
    public var sampleWeight: UnsafePointer<T>?
    public var ignoreIndex: Int64
    public var labelSmoothing: Double
    public var reduction: Reduction
    /// Per-row (weighted) losses; written only for ``Reduction/none``.
    public var losses: UnsafeMutablePointer<T>?
    public var grad: UnsafeMutablePointer<T>?
    public var hess: UnsafeMutablePointer<T>?

    public init(rows: Int, classes: Int, logits: UnsafePointer<T>,
                targetIndex: UnsafePointer<Int64>? = nil, targetProbability: UnsafePointer<T>? = nil,
                classWeight: UnsafePointer<T>? = nil, sampleWeight: UnsafePointer<T>? = nil,
                ignoreIndex: Int64 = -100, labelSmoothing: Double = 0, reduction: Reduction = .mean,
                losses: UnsafeMutablePointer<T>? = nil,
                grad: UnsafeMutablePointer<T>? = nil, hess: UnsafeMutablePointer<T>? = nil) {
        self.rows = rows
        self.classes = classes
        self.logits = logits
        self.targetIndex = targetIndex
        self.targetProbability = targetProbability
        self.classWeight = classWeight
        self.sampleWeight = sampleWeight
        self.ignoreIndex = ignoreIndex
        self.labelSmoothing = labelSmoothing
        self.reduction = reduction
        self.losses = losses
        self.grad = grad
        self.hess = hess
    }

    /// Checks sizes, options, weights and every class index before any row is touched.
    public func validate() throws(LossKitError) {
        guard rows >= 0, classes >= 0 else {
            throw LossKitError(.shapeMismatch, "rows and classes must be >= 0, got \(rows) and \(classes)")
        }
        guard rows == 0 || classes > 0 else {
            throw LossKitError(.shapeMismatch, "input must have at least one class")
        }
        guard rows <= Int.max / Swift.max(classes, 1) else {
            throw LossKitError(.shapeMismatch, "rows × classes overflows")
        }
        switch (targetIndex, targetProbability) {
        case (nil, nil): throw LossKitError(.nullPointer, "target: give class indices or class probabilities")
        case (.some, .some): throw LossKitError(.invalidArgument, "target: give class indices or class probabilities, not both")
        default: break
        }
        try SoftmaxCrossEntropy.spec.validate([labelSmoothing])
        if let classWeight { try checkNonNegativeFinite(classWeight, classes, "weight") }
        if let sampleWeight { try checkNonNegativeFinite(sampleWeight, rows, "sample_weight") }
        if let targetIndex {
            for i in 0..<rows {
                let y = targetIndex[i]
                guard y == ignoreIndex || (y >= 0 && y < Int64(classes)) else {
                    throw LossKitError(.indexOutOfRange,
                        "target[\(i)] = \(y) is not a class index in [0, \(classes)) nor ignore_index (\(ignoreIndex))")
                }
            }
        }
        if reduction == .none && losses == nil && rows > 0 {
            throw LossKitError(.nullPointer, "reduction 'none' needs an output array for the losses")
        }
    }

    /// Row i's weight in the loss: its sample weight, 0 if its target is ignored.
    @inlinable
    func rowWeight(_ i: Int) -> T {
        if let targetIndex, targetIndex[i] == ignoreIndex { return 0 }
        return sampleWeight?[i] ?? 1
    }

    /// The denominator of ``Reduction/mean`` (see the type's documentation).
    @inlinable
    var meanDenominator: Double {
        var d = 0.0
        for i in 0..<rows {
            let s = Double(rowWeight(i))
            if let targetIndex, s != 0, let classWeight {
                d += s * Double(classWeight[Int(targetIndex[i])])
            } else {
                d += s
            }
        }
        return d
    }

    /// Whether a has a dense part (see ``SoftmaxCrossEntropy/rowSums(_:classes:dense:hasDense:oneHot:keepingExponentialsIn:slack:)``):
    /// probability targets, or label smoothing. A plain class index has only the one-hot part.
    @inlinable
    var hasDenseTarget: Bool { targetProbability != nil || labelSmoothing > 0 }

    /// The dense part of a_c for classes [c, c + lanes) of row i; 0 in the padding lanes.
    @inlinable @inline(__always)
    func denseCoefficients(row i: Int, _ c: Int, _ lanes: Int) -> T.Vector {
        typealias V = T.Vector
        let eps = T(labelSmoothing)
        var w = V(repeating: 1)  // `if let`, not `Optional.map`, which would stay a call per vector
        if let classWeight { w = load(classWeight, c, lanes) }
        if lanes < V.scalarCount { w = w.replacing(with: 0, where: laneMask(V.self, lanes)) }
        if let targetProbability {
            let t = load(targetProbability + i * classes, c, lanes)
            return w * (t * (1 - eps) + eps / T(classes))
        }
        return w * (eps / T(classes))
    }

    /// The one-hot part of a for row i: its class index and (1 - ε)·w_y, or weight 0 for
    /// probability targets.
    @inlinable
    func oneHotCoefficient(row i: Int) -> (index: Int, weight: T) {
        guard let targetIndex else { return (0, 0) }
        let y = Int(targetIndex[i])
        return (y, T(1 - labelSmoothing) * (classWeight?[y] ?? 1))
    }
}

/// Runs softmax cross-entropy over every row of a ``CrossEntropyProblem``: ignored rows get loss
/// 0 and zero derivatives; each row's loss is computed in `Double` (rows of up to two
/// vectors with plain class-index targets: in `T`, see `narrowCrossEntropyRows`). Rows are taken in blocks of
/// about ``accumulationBlock`` logits (a count that depends only on the number of classes), so
/// the result is the same for any thread count. Returns the reduced loss (for
/// ``Reduction/none``, the sum of the row losses).
@inlinable
public func evaluate<T: LossScalar>(_ p: CrossEntropyProblem<T>) -> Double {
    let denominator = p.reduction == .mean ? p.meanDenominator : 1
    let scale = T(denominator > 0 ? 1 / denominator : 0)
    let rowsPerBlock = Swift.max(1, accumulationBlock / Swift.max(p.classes, 1))
    // Rows of up to two vectors, with class-index targets and no smoothing, go across rows.
    let width = T.Vector.scalarCount
    let narrow = p.classes <= 2 * width && !p.hasDenseTarget
    let blocks = (p.rows + rowsPerBlock - 1) / rowsPerBlock
    let total = Parallel.sum(blocks: blocks) { b in
        var sum = 0.0
        let end = Swift.min((b + 1) * rowsPerBlock, p.rows)
        if narrow {
            for i in stride(from: b * rowsPerBlock, to: end, by: width) {
                sum += narrowCrossEntropyRows(p, i, Swift.min(width, end - i), scale)
            }
        } else {
            for i in (b * rowsPerBlock)..<end {
                sum += crossEntropyRow(p, i, scale, slack: (end - i - 1) * p.classes)
            }
        }
        return sum
    }
    return p.reduction == .mean ? (denominator > 0 ? total / denominator : 0) : total
}

/// Row i of ``evaluate(_:)``: writes its outputs and returns its weighted loss. `slack` counts
/// the elements of the following rows of the same block, which the same thread handles next:
/// the row's passes may read them and write over their outputs (see `load(_:_:_:fill:slack:)`).
@inlinable
func crossEntropyRow<T: LossScalar>(_ p: CrossEntropyProblem<T>, _ i: Int, _ scale: T, slack: Int) -> Double {
    let z = p.logits + i * p.classes
    let s = p.rowWeight(i)
    let grad = p.grad.map { $0 + i * p.classes }
    let hess = p.hess.map { $0 + i * p.classes }
    guard s != 0 else {
        grad?.update(repeating: 0, count: p.classes)
        hess?.update(repeating: 0, count: p.classes)
        if p.reduction == .none { p.losses![i] = 0 }
        return 0
    }
    // The row of an output keeps the first pass's exponentials for the second pass.
    let scratch = grad ?? hess
    let oneHot = p.oneHotCoefficient(row: i)
    // Two copies of the row's passes: with no dense part its sums are left out.
    @inline(__always) func passes(_ hasDense: Bool, _ dense: (Int, Int) -> T.Vector) -> Double {
        let sums = SoftmaxCrossEntropy.rowSums(z, classes: p.classes, dense: dense, hasDense: hasDense,
                                               oneHot: oneHot, keepingExponentialsIn: scratch, slack: slack)
        if let scratch {
            SoftmaxCrossEntropy.rowDerivatives(z, classes: p.classes, sums: sums, scale: s * scale,
                                               dense: dense, hasDense: hasDense, oneHot: oneHot,
                                               grad: grad, hess: hess,
                                               exponentials: UnsafePointer(scratch), slack: slack)
        }
        return sums.loss
    }
    let rowLoss = Double(s) * (p.hasDenseTarget
        ? passes(true) { c, lanes in p.denseCoefficients(row: i, c, lanes) }
        : passes(false) { _, _ in .zero })
    if p.reduction == .none { p.losses![i] = T(rowLoss) }
    return rowLoss
}
