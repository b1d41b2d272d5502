import CLossKitSupport

/// Softmax cross-entropy of one row of logits z against non-negative target coefficients a:
///
///     l = Σ_c a_c·(logsumexp(z) - z_c) = A·log Σ_c e^(z_c - m) - Σ_c a_c·(z_c - m)
///     ∂l/∂z_c = A·p_c - a_c,        ∂²l/∂z_c² = A·p_c·(1 - p_c)
///
/// with m = max z, A = Σ_c a_c and p = softmax(z). Every cross-entropy variant is this formula
/// with its own a (see ``CrossEntropyProblem``): a class index y gives a_y = 1, probability
/// targets give a = t, label smoothing ε mixes in ε/C, class weights multiply a.
/// Shifting by m makes the sum finite for any logits, and a class with a_c = 0 adds nothing
/// even when z_c = -inf (where a naive 0·∞ would be NaN).
public enum SoftmaxCrossEntropy {
    public static let spec = LossSpec(
        name: "cross_entropy", family: .multiclass,
        kind: .crossEntropy,
        parameters: [ParameterSpec("label_smoothing", default: 0, lower: 0, lowerInclusive: true,
                                   upper: 1, upperInclusive: true)],
        formula: "sum_c a_c (logsumexp(z) - z_c); a = (1 - eps) onehot(y) + eps/C (times class weights)",
        derivatives: "grad A p - a; hess A p (1 - p), A = sum_c a_c, p = softmax(z)")

    /// Sums over one row of the quantities the loss needs.
    public struct RowSums {
        /// m = max z.
        public var max: Double
        /// S = Σ e^(z_c - m), at least 1.
        public var sum: Double
        /// R = S - 1: Σ e^(z_c - m) without one maximal class, exact where S rounds (the
        /// probability mass of every class but the first maximal one, times S).
        public var rest: Double
        /// log S.
        public var logSumExp: Double
        /// A = Σ a_c.
        public var total: Double
        /// The row's loss l = A·log S - Σ a_c·(z_c - m).
        public var loss: Double

        /// The sums of a row from m, R = S - 1 (`rest`), A and Σ a_c·(z_c - m)
        /// (`weightedShift`). log S = log1p(R) keeps the loss of a confident row (R tiny)
        /// where 1 + R would round to 1, even in `Double`. It is evaluated as
        /// log(S)·R/(S - 1) with S = 1 + R rounded (R where S rounds to 1): the factor
        /// R/(S - 1) undoes the rounding of S, leaving an error of a few ulps, and libm's log
        /// costs a fraction of its log1p, which took a fifth of the kernel at 100 classes.
        @inlinable
        public init(max: Double, rest: Double, total: Double, weightedShift: Double) {
            self.max = max
            self.sum = 1 + rest
            self.rest = rest
            self.logSumExp = sum == 1 ? rest : Double._log(sum) * (rest / (sum - 1))
            self.total = total
            self.loss = total * logSumExp - weightedShift
        }
    }

    /// First pass over a row: its maximum, then Σ e^(z - m), A and Σ a·(z - m) in one sweep.
    ///
    /// The coefficients come in two parts, a_c = dense_c + w·[c = y]: `dense` gives lanes
    /// [c, c + lanes) of the dense part (probability targets, label smoothing; 0 in padding
    /// lanes) and `oneHot` the class index y and its coefficient w (0 for none). A plain class
    /// index passes `{ _, _ in .zero }` and `hasDense: false`, so its loop is the exponential
    /// alone (the flag, a constant where this is inlined, lets the compiler drop the dense sums,
    /// which it cannot do from the zeros: x + 0 is not x when x = -0). If `exponentials` is given (a row of scratch, e.g. the gradient's
    /// own row), the sweep leaves e^(z - m) there, so the second pass needs no exponential.
    /// `slack` is how many elements after the row, in z and in `exponentials`, may be read and
    /// overwritten (rows the caller handles next, in order): with it, a row shorter than a
    /// vector or a partial last vector is read and written with full vectors.
    @inlinable
    public static func rowSums<T: LossScalar>(
        _ z: UnsafePointer<T>, classes: Int, dense a: (Int, Int) -> T.Vector, hasDense: Bool = true,
        oneHot: (index: Int, weight: T), keepingExponentialsIn exponentials: UnsafeMutablePointer<T>? = nil,
        slack: Int = 0
    ) -> RowSums {
        typealias V = T.Vector
        var mv = V(repeating: -.infinity)
        var c = 0
        while c < classes {
            let lanes = Swift.min(V.scalarCount, classes - c)
            mv = maximum(mv, load(z, c, lanes, fill: -.infinity, slack: slack))
            c += lanes
        }
        var m = -T.infinity
        for k in mv.indices where mv[k] > m { m = mv[k] }
        let mV = V(repeating: m)
        // S = 1 + R with R = (terms below the maximum) + (number of maximal classes - 1):
        // the maximum's term 1 is kept out of the sums, which would round R's small terms away.
        // The lanes sum blocks of `accumulationBlock` classes; each block's lanes are added in
        // Double. A float32 lane stops growing at 2^24 (its ulp then exceeds any term ≤ 1), so
        // one sum over a row of 2^31 zero logits gave log 2^28 instead of log 2^31; blocks
        // depend only on the class index, so results are the same for any thread count. A row
        // of at most one block (100 or 1000 classes) costs what a single sum did.
        var below = 0.0, maximal = 0.0, total = 0.0, weightedShift = 0.0
        c = 0
        while c < classes {
            let blockEnd = Swift.min(c + accumulationBlock, classes)
            var belowV = V.zero, maximalV = V.zero, sumA = V.zero, sumAU = V.zero
            while c < blockEnd {
                let lanes = Swift.min(V.scalarCount, classes - c)
                let u = load(z, c, lanes, fill: -.infinity, slack: slack) - mV
                // The next row's logits, one cache line per vector: its maximum pass then reads
                // from cache while this sweep computes. The hardware prefetcher alone left each
                // row's first pass waiting on memory (65536×1000 float32: 36 → 26 ms loss only).
                lk_prefetch(z + classes + c)
                let e = exp(u)
                if let exponentials { store(e, exponentials, c, lanes, slack: slack) }
                let isMaximal = u .== V.zero
                belowV += e.replacing(with: 0, where: isMaximal)
                maximalV += V.zero.replacing(with: 1, where: isMaximal)
                if hasDense {
                    let ac = a(c, lanes)
                    sumA += ac
                    sumAU += (ac * u).replacing(with: 0, where: ac .== V.zero)
                }
                c += lanes
            }
            below += belowV.sumInDouble
            maximal += maximalV.sumInDouble
            if hasDense {
                total += sumA.sumInDouble
                weightedShift += sumAU.sumInDouble
            }
        }
        if oneHot.weight != 0 {
            total += Double(oneHot.weight)
            weightedShift += Double(oneHot.weight) * Double(z[oneHot.index] - m)
        }
        return RowSums(max: Double(m), rest: below + (maximal - 1), total: total,
                       weightedShift: weightedShift)
    }

    /// Second pass: ∂l/∂z and ∂²l/∂z² of the row, each multiplied by `scale`, for the
    /// coefficients of ``rowSums(_:classes:dense:hasDense:oneHot:keepingExponentialsIn:slack:)``;
    /// the one-hot part is subtracted from its one gradient entry after the sweep; `hasDense`
    /// and `slack` as there (`slack` for `exponentials`, `grad` and `hess`). With the `exponentials` the first pass
    /// kept, p = e^(z - m) / S costs a multiplication instead of an exponential; without them
    /// p = e^((z - m) - log S).
    @inlinable
    public static func rowDerivatives<T: LossScalar>(
        _ z: UnsafePointer<T>, classes: Int, sums: RowSums, scale: T,
        dense a: (Int, Int) -> T.Vector, hasDense: Bool = true, oneHot: (index: Int, weight: T),
        grad: UnsafeMutablePointer<T>?, hess: UnsafeMutablePointer<T>?,
        exponentials: UnsafePointer<T>? = nil, slack: Int = 0
    ) {
        typealias V = T.Vector
        // z - m is exact near the maximum; subtracting log S separately keeps p accurate
        // even when m is large (m + log S rounded to T would not be). S >= 1, so 1/S is finite.
        let m = V(repeating: T(sums.max))
        let logS = V(repeating: T(sums.logSumExp))
        let inverseS = V(repeating: T(1 / sums.sum))
        let total = V(repeating: T(sums.total))
        let s = V(repeating: scale)
        var c = 0
        while c < classes {
            let lanes = Swift.min(V.scalarCount, classes - c)
            // `if let`, not `Optional.map`: the compiler leaves a closure given to `map` as a call.
            let p: V
            if let exponentials {
                p = load(exponentials, c, lanes, fill: 0, slack: slack) * inverseS
            } else {
                p = exp((load(z, c, lanes, fill: -.infinity, slack: slack) - m) - logS)
            }
            if let grad {
                store(hasDense ? s * (total * p - a(c, lanes)) : s * total * p, grad, c, lanes, slack: slack)
            }
            if let hess { store(s * total * p * (1 - p), hess, c, lanes, slack: slack) }
            c += lanes
        }
        if let grad, oneHot.weight != 0 { grad[oneHot.index] -= scale * oneHot.weight }
    }
}
