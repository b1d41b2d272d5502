/// The softmax of one row for the row-wise losses: cross-entropy's first pass
/// (``SoftmaxCrossEntropy/rowSums(_:classes:dense:hasDense:oneHot:keepingExponentialsIn:slack:)``)
/// gives m = max z, S = Σ e^(z_c - m) = 1 + R (R without one maximal class, so it keeps the
/// small terms a row dominated by one class would round away) and log S, and leaves e^(z_c - m)
/// in a row of scratch (a gradient or Hessian row the formula overwrites last), so that a
/// later pass has p_c = e^(z_c - m)/S for a multiplication. Padding lanes read z = -inf,
/// whose exponential is 0.
public struct SoftmaxRow<T: LossScalar> {
    public let sums: SoftmaxCrossEntropy.RowSums
    /// m in `T` (exact: it is one of the scores).
    @usableFromInline let max: T
    /// The row of e^(z_c - m) the first pass kept, or nil (then each pass computes them).
    @usableFromInline let exponentials: UnsafeMutablePointer<T>?

    @inlinable
    public init(_ r: Row<T>, keepingExponentialsIn scratch: UnsafeMutablePointer<T>?) {
        sums = SoftmaxCrossEntropy.rowSums(r.z, classes: r.classes, dense: { _, _ in .zero }, hasDense: false,
                                           oneHot: (0, 0), keepingExponentialsIn: scratch, slack: r.slack)
        max = T(sums.max)
        exponentials = scratch
    }

    /// z - m for lanes [c, c + lanes); -inf in padding lanes.
    @inlinable @inline(__always)
    func shifted(_ r: Row<T>, _ c: Int, _ lanes: Int) -> T.Vector {
        r.scores(c, lanes, fill: -.infinity) - T.Vector(repeating: max)
    }

    /// e^(z - m) for lanes [c, c + lanes) (kept by the first pass, or computed); 0 in padding.
    @inlinable @inline(__always)
    func exponential(_ r: Row<T>, _ c: Int, _ lanes: Int) -> T.Vector {
        guard let exponentials else { return computedExponential(r, c, lanes) }
        return load(exponentials, c, lanes, fill: 0, slack: r.slack)
    }

    /// e^(z - m) computed, for calls without derivatives (no row to keep them in). Kept out of
    /// line, so that ``exponential(_:_:_:)`` is a load where the passes with derivatives
    /// inline it.
    @inlinable @inline(never)
    func computedExponential(_ r: Row<T>, _ c: Int, _ lanes: Int) -> T.Vector { exp(shifted(r, c, lanes)) }

    /// 1 - p_c = (S - e^(z_c - m))/S as ((1 - e) + R)/S: exact R/S for a maximal class, where
    /// 1 - p would cancel; `inverseS` and `rest` are 1/S and R across the lanes.
    @inlinable @inline(__always)
    static func oneMinusP(_ e: T.Vector, inverseS: T.Vector, rest: T.Vector) -> T.Vector {
        ((1 - e) + rest) * inverseS
    }

    /// The probability of class y in every form a class-index loss needs, without a call to
    /// libm where the first pass kept e^(z_y - m) (the exponentials were a fifth of a row's
    /// time at 100 classes).
    @inlinable
    public func target(_ y: Int, _ r: Row<T>) -> SoftmaxTarget {
        let u = Double(r.z[y]) - sums.max
        let logP = u - sums.logSumExp
        // For a maximal y, S - e^u = R exactly; otherwise p_y < 1/2 and 1 - p_y loses nothing.
        if u == 0 {
            return SoftmaxTarget(logP: logP, p: 1 / sums.sum, oneMinusP: sums.rest / sums.sum, others: sums.rest,
                                 logSumExp: sums.logSumExp)
        }
        let e = exponentials.map { Double($0[y]) } ?? Double._exp(u)
        let p = e / sums.sum
        return SoftmaxTarget(logP: logP, p: p, oneMinusP: 1 - p, others: (1 - e) + sums.rest, logSumExp: sums.logSumExp)
    }
}

/// Class y's probability for a class-index loss, in `Double`: log p_y, p_y, and 1 - p_y and
/// its log accurate also when p_y ≈ 1 (from R, see ``SoftmaxRow``).
public struct SoftmaxTarget {
    public let logP: Double
    public let p: Double
    public let oneMinusP: Double
    /// Σ_{c≠y} e^(z_c - m) = S·(1 - p_y).
    public let others: Double
    @usableFromInline let logSumExp: Double

    @inlinable
    init(logP: Double, p: Double, oneMinusP: Double, others: Double, logSumExp: Double) {
        self.logP = logP
        self.p = p
        self.oneMinusP = oneMinusP
        self.others = others
        self.logSumExp = logSumExp
    }

    /// log(1 - p_y) = log Σ_{c≠y} e^(z_c - m) - log S (computed on demand: a libm call).
    @inlinable
    public var logOneMinusP: Double { Double._log(others) - logSumExp }
}

/// A class-index softmax loss l(p_y) as a formula of its row: the loss, and the two
/// coefficients its derivatives take with respect to the scores z,
///
///     ∂l/∂z_c = g·(p_c - δ_c),    ∂²l/∂z_c² = g·p_c (1 - p_c) + k·((p_c - δ_c)/(1 - p_y))²
///
/// (δ_c = [c = y]), which every loss of p_y alone has: with l' = dl/dp_y,
/// g = -p_y·l' and k = (1 - p_y)²·p_y·(p_y·l'' + l'). k is given with (1 - p_y)² folded in,
/// because (p_c - δ_c)/(1 - p_y) is a ratio within [-1, 1] (Σ_{c≠y} p_c = 1 - p_y) that
/// stays finite when p_y → 1, where a coefficient of (p_c - δ_c)² alone may not (focal loss
/// with γ < 1).
public struct SoftmaxTargetTerms {
    public let loss: Double
    public let slope: Double
    public let curvature: Double

    @inlinable
    public init(loss: Double, slope: Double, curvature: Double) {
        self.loss = loss
        self.slope = slope
        self.curvature = curvature
    }
}

/// One row of a class-index softmax loss: the shared softmax pass, `terms` of the target's
/// probability (per row, in `Double`), then one vector pass writing the derivatives of every
/// class, and class y's own derivatives written last from the `Double` values
/// (∂l/∂z_y = -g·(1 - p_y), ∂²l/∂z_y² = g·p_y(1 - p_y) + k), which keeps them exact where
/// p_y ≈ 1. Returns the row's loss.
@inlinable @inline(__always)
func softmaxClassIndexRow<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>,
                                         _ terms: (SoftmaxTarget) -> SoftmaxTargetTerms) -> Double {
    typealias V = T.Vector
    let scratch = out.grad ?? out.hess
    let sm = SoftmaxRow(r, keepingExponentialsIn: scratch)
    let y = r.index
    let target = sm.target(y, r)
    let t = terms(target)
    guard scratch != nil else { return t.loss }
    let inverseS = V(repeating: T(1 / sm.sums.sum))
    let rest = V(repeating: T(sm.sums.rest))
    let g = V(repeating: T(out.scale * t.slope))
    let k = V(repeating: T(out.scale * t.curvature))
    // 1/Σ_{c≠y} e^(z_c - m), held finite: when that sum is below the smallest normal the
    // curvature k (which carries (1 - p_y)²) is 0 in `T`.
    let inverseOthers = V(repeating: target.others > 0
                          ? Swift.min(T(1 / target.others), T.greatestFiniteMagnitude) : 0)
    for (c, lanes) in RowVectors(T.self, r.classes) {
        let e = sm.exponential(r, c, lanes)
        let p = e * inverseS
        if let hess = out.hess {
            let ratio = e * inverseOthers
            let q: V = SoftmaxRow<T>.oneMinusP(e, inverseS: inverseS, rest: rest)
            let spread: V = g * p * q
            out.put(spread + k * ratio * ratio, hess, c, lanes)
        }
        if let grad = out.grad { out.put(g * p, grad, c, lanes) }
    }
    let q = target.oneMinusP
    out.grad?[y] = T(out.scale * (-t.slope * q))
    out.hess?[y] = T(out.scale * (t.slope * target.p * q + t.curvature))
    return t.loss
}
