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
    /// Derivatives of the result with respect to each scalar parameter (one Double per
    /// parameter, in spec order); written only by a ``ParameterDifferentiableLoss``.
    public var parameterGrad: UnsafeMutablePointer<Double>?
    /// Per element, the derivative of the result with respect to the column value that element
    /// used; written only by a ``ParameterDifferentiableLoss``.
    public var columnGrad: UnsafeMutablePointer<T>?
    /// Whether the caller reads the reduced loss. When it does not (a booster's objective wants
    /// only gradients and Hessians) and the reduction is not ``Reduction/none``, the driver
    /// computes derivatives only: the loss's own terms, such as BCE's log(1 + e^-|x|), are
    /// never evaluated, and the returned value is 0.
    public var needsLoss: Bool

    public init(count: Int, input: UnsafePointer<T>, target: UnsafePointer<T>,
                weight: UnsafePointer<T>? = nil, weightCount: Int = 0,
                weighting: Weighting = .normalized,
                column: UnsafePointer<T>? = nil, columnCount: Int = 0,
                reduction: Reduction = .mean, losses: UnsafeMutablePointer<T>? = nil,
                grad: UnsafeMutablePointer<T>? = nil, hess: UnsafeMutablePointer<T>? = nil,
                parameterGrad: UnsafeMutablePointer<Double>? = nil,
                columnGrad: UnsafeMutablePointer<T>? = nil, needsLoss: Bool = true) {
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
        self.parameterGrad = parameterGrad
        self.columnGrad = columnGrad
        self.needsLoss = needsLoss
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
        return sumInDouble(weight, weightCount) * Double(count / Swift.max(weightCount, 1))
    }
}

/// Throws naming `name` and the first of the n values that is negative, infinite or NaN.
/// Prespecialised: the validators that call it run generic (they are not inlined into the
/// C entry points), where each comparison would be a protocol call (8 ns per element).
@_specialize(where T == Float)
@_specialize(where T == Double)
func checkNonNegativeFinite<T: LossScalar>(_ p: UnsafePointer<T>, _ n: Int, _ name: String) throws(LossKitError) {
    typealias V = T.Vector
    if let j = firstRejected(p, n, by: { all(($0 .>= V.zero) .& ($0 .< V(repeating: .infinity))) }) {
        throw LossKitError(.invalidArgument,
            "\(name) must be finite and >= 0; element \(j) is \(format(Double(p[j])))")
    }
}

/// The index of the first of p[0 ..< n] that `accepts` rejects, or nil. `accepts` judges a
/// whole vector: the scan goes a vector at a time, and from the first rejected vector (or the
/// tail) on one value at a time, each repeated across a vector.
@inlinable @inline(__always)
func firstRejected<T: LossScalar>(_ p: UnsafePointer<T>, _ n: Int, by accepts: (T.Vector) -> Bool) -> Int? {
    let width = T.Vector.scalarCount
    var i = 0
    while i + width <= n, accepts(load(p, i, width)) { i += width }
    while i < n {
        if !accepts(T.Vector(repeating: p[i])) { return i }
        i += 1
    }
    return nil
}

/// Runs an ``ElementwiseLoss`` over an ``ElementwiseProblem``: the one loop every elementwise
/// loss shares. It reads each input once and writes each requested output once (a fused pass),
/// scales derivatives by the weight and the reduction, and returns the reduced loss (for
/// ``Reduction/none``, the sum of the per-element losses; 0 when no loss is needed, see
/// ``ElementwiseProblem/needsLoss``).
@inlinable
public func evaluate<L: ElementwiseLoss, T: LossScalar>(_ loss: L, _ p: ElementwiseProblem<T>) -> Double {
    p.needsLoss || p.reduction == .none ? run(loss, p, LossAndDerivatives.self) : run(loss, p, DerivativesOnly.self)
}

/// ``evaluate(_:_:)`` in one output mode, a type so that each mode gets its own specialised
/// loop, in which the optimiser drops whatever the mode does not store.
@inlinable
func run<L: ElementwiseLoss, T: LossScalar, M: OutputMode>(_ loss: L, _ p: ElementwiseProblem<T>, _ mode: M.Type) -> Double {
    let (denominator, scale) = p.reductionScale
    let blocks = (p.count + accumulationBlock - 1) / accumulationBlock
    let total = Parallel.sum(blocks: blocks) { b in
        let start = b * accumulationBlock
        return elementwiseBlock(loss, p, start, Swift.min(start + accumulationBlock, p.count), T(scale), mode)
    }
    return p.reduced(total, denominator)
}

/// What a driver pass computes: the loss and its derivatives, or the derivatives alone.
public protocol OutputMode {
    static var computesLoss: Bool { get }
}

public enum LossAndDerivatives: OutputMode {
    @inlinable public static var computesLoss: Bool { true }
}

public enum DerivativesOnly: OutputMode {
    @inlinable public static var computesLoss: Bool { false }
}

extension ElementwiseProblem {
    /// The reduction's denominator (Σ w or the count for ``Reduction/mean``, else 1) and the
    /// factor 1/denominator that turns weighted sums into the result. The mean over an empty
    /// set is 0 with zero derivatives (see ``Reduction/mean``), so the factor is then 0.
    @inlinable
    var reductionScale: (denominator: Double, scale: Double) {
        let denominator = reduction == .mean ? meanDenominator : 1
        return (denominator, denominator > 0 ? 1 / denominator : 0)
    }

    /// A weighted sum turned into the result: divided by the denominator for the mean.
    @inlinable
    func reduced(_ total: Double, _ denominator: Double) -> Double {
        guard reduction == .mean else { return total }
        return denominator > 0 ? total / denominator : 0
    }
}

/// Elements [start, end) of ``evaluate(_:_:)``; returns their weighted loss sum.
@inlinable
func elementwiseBlock<L: ElementwiseLoss, T: LossScalar, M: OutputMode>(
    _ loss: L, _ p: ElementwiseProblem<T>, _ start: Int, _ end: Int, _ scale: T, _ mode: M.Type
) -> Double {
    let width = T.Vector.scalarCount
    var acc = T.Vector.zero
    var i = start
    // Full vectors with a lane count the compiler sees as constant (so every load, store and
    // mask below is a single vector operation), then at most one partial vector.
    while i + width <= end {
        acc += elementwiseStep(loss, p, i, width, scale, mode)
        i += width
    }
    if i < end { acc += elementwiseStep(loss, p, i, end - i, scale, mode) }
    return acc.sumInDouble
}

/// Elements [i, i + lanes) (lanes <= the vector width): evaluates the loss, writes the
/// requested outputs and returns the weighted losses, 0 in padding lanes.
@inlinable @inline(__always)
func elementwiseStep<L: ElementwiseLoss, T: LossScalar, M: OutputMode>(
    _ loss: L, _ p: ElementwiseProblem<T>, _ i: Int, _ lanes: Int, _ scale: T, _ mode: M.Type
) -> T.Vector {
    let (x, y, w, c) = operands(p, i, lanes)
    return write(loss.evaluate(x, y, column: c), weight: w, scale: scale, p, i, lanes, mode)
}

/// Input, target, weight (1 without weights) and column value (1 without a column operand)
/// of lanes [i, i + lanes); padding lanes of a partial vector read 0.
@inlinable @inline(__always)
func operands<T: LossScalar>(_ p: ElementwiseProblem<T>, _ i: Int, _ lanes: Int)
    -> (x: T.Vector, y: T.Vector, w: T.Vector, c: T.Vector) {
    let x = load(p.input, i, lanes)
    let y = load(p.target, i, lanes)
    var w = T.Vector(repeating: 1)
    if let weight = p.weight { w = gather(weight, i, lanes, period: p.count / p.weightCount) }
    var c = T.Vector(repeating: 1)
    if let column = p.column { c = cycle(column, i, lanes, period: p.columnCount) }
    return (x, y, w, c)
}

/// Stores the requested outputs of lanes [i, i + lanes): the derivatives scaled by w and the
/// reduction factor, and w·l for ``Reduction/none``. Returns w·l with padding lanes zeroed,
/// ready to accumulate (zero in ``DerivativesOnly`` mode, where the loss is never used, so
/// the compiler removes the terms that compute only it).
@inlinable @inline(__always)
func write<T: LossScalar, M: OutputMode>(_ terms: LossTerms<T.Vector>, weight w: T.Vector, scale: T,
                                         _ p: ElementwiseProblem<T>, _ i: Int, _ lanes: Int,
                                         _ mode: M.Type) -> T.Vector {
    let ws = w * T.Vector(repeating: scale)
    if let out = p.grad { store(ws * terms.grad, out, i, lanes) }
    if let out = p.hess { store(ws * terms.hess, out, i, lanes) }
    guard M.computesLoss else { return .zero }
    var wl = w * terms.loss
    if lanes < T.Vector.scalarCount { wl = wl.replacing(with: 0, where: laneMask(T.Vector.self, lanes)) }
    if let out = p.losses, p.reduction == .none { store(wl, out, i, lanes) }
    return wl
}
