/// The arrays and options of one elementwise loss evaluation over `count` elements.
///
/// Pointers are borrowed for the duration of the call. Element i uses `weight[i / weightPeriod]`
/// (so a weight per element, or one per sample of `weightPeriod` elements) and
/// `column[i % columnCount]` (a parameter broadcast along the last axis).
public struct ElementwiseProblem<T: LossScalar> {
    public var count: Int
    public var input: UnsafePointer<T>
    public var target: UnsafePointer<T>
    public var weight: UnsafePointer<T>?
    public var weightCount: Int
    public var weighting: Weighting
    public var column: UnsafePointer<T>?
    public var columnCount: Int
    public var reduction: Reduction
    /// Per-element (weighted) losses; written only for ``Reduction/none``.
    public var losses: UnsafeMutablePointer<T>?
    public var grad: UnsafeMutablePointer<T>?
    public var hess: UnsafeMutablePointer<T>?

    public init(count: Int, input: UnsafePointer<T>, target: UnsafePointer<T>,
                weight: UnsafePointer<T>? = nil, weightCount: Int = 0,
                weighting: Weighting = .normalized,
                column: UnsafePointer<T>? = nil, columnCount: Int = 0,
                reduction: Reduction = .mean, losses: UnsafeMutablePointer<T>? = nil,
                grad: UnsafeMutablePointer<T>? = nil, hess: UnsafeMutablePointer<T>? = nil) {
        self.count = count
        self.input = input
        self.target = target
        self.weight = weight
        self.weightCount = weightCount
        self.weighting = weighting
        self.column = column
        self.columnCount = columnCount
        self.reduction = reduction
        self.losses = losses
        self.grad = grad
        self.hess = hess
    }

    /// Checks lengths, the weight and column values, and the input and target domains of
    /// `spec`. Every entry point calls this before any loss touches memory. Errors name the
    /// weight as the user passed it (`sample_weight` when normalized, `weight` when rescaling)
    /// and the column by the loss's ``LossSpec/columnParameter`` (e.g. `pos_weight`).
    public func validate(for spec: LossSpec) throws(LossKitError) {
        let columnName = spec.columnParameter ?? "column"
        guard count >= 0 else { throw LossKitError(.shapeMismatch, "count must be >= 0, got \(count)") }
        try spec.inputDomain.check(input, count, "input", loss: spec.name)
        try spec.targetDomain.check(target, count, "target", loss: spec.name)
        if weight != nil {
            guard weightCount > 0 ? count % weightCount == 0 : count == 0 else {
                throw LossKitError(.shapeMismatch,
                    "weight has \(weightCount) values, which does not divide the \(count) input elements")
            }
            try checkNonNegativeFinite(weight!, weightCount, weighting == .normalized ? "sample_weight" : "weight")
        }
        if column != nil {
            guard columnCount > 0 ? count % columnCount == 0 : count == 0 else {
                throw LossKitError(.shapeMismatch,
                    "\(columnName) has \(columnCount) values, which does not divide the \(count) input elements")
            }
            try checkNonNegativeFinite(column!, columnCount, columnName)
        }
        if reduction == .none && losses == nil && count > 0 {
            throw LossKitError(.nullPointer, "reduction 'none' needs an output array for the losses")
        }
    }

    /// The denominator of ``Reduction/mean``: Σ w over elements, or the element count.
    @inlinable
    var meanDenominator: Double {
        guard let weight, weighting == .normalized else { return Double(count) }
        var s = 0.0
        for j in 0..<weightCount { s += Double(weight[j]) }
        return s * Double(count / Swift.max(weightCount, 1))
    }
}

func checkNonNegativeFinite<T: LossScalar>(_ p: UnsafePointer<T>, _ n: Int, _ name: String) throws(LossKitError) {
    for j in 0..<n where !(p[j] >= 0 && p[j].isFinite) {
        throw LossKitError(.invalidArgument,
            "\(name) must be finite and >= 0; element \(j) is \(format(Double(p[j])))")
    }
}

/// Runs an ``ElementwiseLoss`` over an ``ElementwiseProblem``: the one loop every elementwise
/// loss shares. It reads each input once and writes each requested output once (a fused pass),
/// scales derivatives by the weight and the reduction, and returns the reduced loss (for
/// ``Reduction/none``, the sum of the per-element losses).
@inlinable
public func evaluate<L: ElementwiseLoss, T: LossScalar>(_ loss: L, _ p: ElementwiseProblem<T>) -> Double {
    let denominator = p.reduction == .mean ? p.meanDenominator : 1
    // Mean over an empty set: 0 with zero derivatives (see Reduction.mean).
    let scale: T = denominator > 0 ? T(1 / denominator) : 0
    let blocks = (p.count + accumulationBlock - 1) / accumulationBlock
    let total = Parallel.sum(blocks: blocks) { b in
        let start = b * accumulationBlock
        return elementwiseBlock(loss, p, start, Swift.min(start + accumulationBlock, p.count), scale)
    }
    if p.reduction == .mean { return denominator > 0 ? total / denominator : 0 }
    return total
}

/// Elements [start, end) of ``evaluate(_:_:)``; returns their weighted loss sum.
@inlinable
func elementwiseBlock<L: ElementwiseLoss, T: LossScalar>(
    _ loss: L, _ p: ElementwiseProblem<T>, _ start: Int, _ end: Int, _ scale: T
) -> Double {
    let width = T.Vector.scalarCount
    var acc = T.Vector.zero
    var i = start
    // Full vectors with a lane count the compiler sees as constant (so every load, store and
    // mask below is a single vector operation), then at most one partial vector.
    while i + width <= end {
        acc += elementwiseStep(loss, p, i, width, scale)
        i += width
    }
    if i < end { acc += elementwiseStep(loss, p, i, end - i, scale) }
    return acc.sumInDouble
}

/// Elements [i, i + lanes) (lanes <= the vector width): evaluates the loss, writes the
/// requested outputs and returns the weighted losses, 0 in padding lanes.
@inlinable @inline(__always)
func elementwiseStep<L: ElementwiseLoss, T: LossScalar>(
    _ loss: L, _ p: ElementwiseProblem<T>, _ i: Int, _ lanes: Int, _ scale: T
) -> T.Vector {
    typealias V = T.Vector
    let x = load(p.input, i, lanes)
    let y = load(p.target, i, lanes)
    var w = V(repeating: 1)
    if let weight = p.weight { w = gather(weight, i, lanes, period: p.count / p.weightCount) }
    var c = V(repeating: 1)
    if let column = p.column { c = cycle(column, i, lanes, period: p.columnCount) }
    let terms = loss.evaluate(x, y, column: c)
    var wl = w * terms.loss
    if lanes < V.scalarCount { wl = wl.replacing(with: 0, where: laneMask(V.self, lanes)) }
    let ws = w * V(repeating: scale)
    if p.reduction == .none, let out = p.losses { store(wl, out, i, lanes) }
    if let out = p.grad { store(ws * terms.grad, out, i, lanes) }
    if let out = p.hess { store(ws * terms.hess, out, i, lanes) }
    return wl
}
