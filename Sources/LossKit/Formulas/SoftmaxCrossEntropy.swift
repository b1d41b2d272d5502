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
        name: "cross_entropy",
        kind: .crossEntropy,
        parameters: [ParameterSpec("label_smoothing", default: 0, lower: 0, lowerInclusive: true,
                                   upper: 1, upperInclusive: true)],
        formula: "sum_c a_c (logsumexp(z) - z_c); a = (1 - eps) onehot(y) + eps/C (times class weights)",
        derivatives: "grad A p - a; hess A p (1 - p), A = sum_c a_c, p = softmax(z)")

    /// Sums over one row of the quantities the loss needs.
    public struct RowSums {
        /// m = max z.
        public var max: Double
        /// log Σ e^(z_c - m).
        public var logSumExp: Double
        /// A = Σ a_c.
        public var total: Double
        /// The row's loss l.
        public var loss: Double

        @inlinable
        public init(max: Double, logSumExp: Double, total: Double, loss: Double) {
            self.max = max
            self.logSumExp = logSumExp
            self.total = total
            self.loss = loss
        }
    }

    /// First pass over a row: its maximum, then Σ e^(z - m), A and Σ a·(z - m) in one sweep.
    /// If `exponentials` is given (a row of scratch, e.g. the gradient's own row), the sweep
    /// leaves e^(z - m) there, so the second pass needs no exponential of its own.
    @inlinable
    public static func rowSums<T: LossScalar>(
        _ z: UnsafePointer<T>, classes: Int, coefficients a: (Int, Int) -> T.Vector,
        keepingExponentialsIn exponentials: UnsafeMutablePointer<T>? = nil
    ) -> RowSums {
        typealias V = T.Vector
        var mv = V(repeating: -.infinity)
        var c = 0
        while c < classes {
            let lanes = Swift.min(V.scalarCount, classes - c)
            mv = maximum(mv, load(z, c, lanes, fill: -.infinity))
            c += lanes
        }
        var m = -T.infinity
        for k in mv.indices where mv[k] > m { m = mv[k] }
        let mV = V(repeating: m)
        var sumExp = V.zero, sumA = V.zero, sumAU = V.zero
        c = 0
        while c < classes {
            let lanes = Swift.min(V.scalarCount, classes - c)
            let u = load(z, c, lanes, fill: -.infinity) - mV
            let ac = a(c, lanes)
            let e = exp(u)
            if let exponentials { store(e, exponentials, c, lanes) }
            sumExp += e
            sumA += ac
            sumAU += (ac * u).replacing(with: 0, where: ac .== V.zero)
            c += lanes
        }
        let logS = Double._log(sumExp.sumInDouble)
        let total = sumA.sumInDouble
        return RowSums(max: Double(m), logSumExp: logS, total: total,
                       loss: total * logS - sumAU.sumInDouble)
    }

    /// Second pass: ∂l/∂z and ∂²l/∂z² of the row, each multiplied by `scale`. With the
    /// `exponentials` the first pass kept, p = e^(z - m) / S costs a multiplication instead of
    /// an exponential; without them p = e^((z - m) - log S).
    @inlinable
    public static func rowDerivatives<T: LossScalar>(
        _ z: UnsafePointer<T>, classes: Int, sums: RowSums, scale: T,
        coefficients a: (Int, Int) -> T.Vector,
        grad: UnsafeMutablePointer<T>?, hess: UnsafeMutablePointer<T>?,
        exponentials: UnsafePointer<T>? = nil
    ) {
        typealias V = T.Vector
        // z - m is exact near the maximum; subtracting log S separately keeps p accurate
        // even when m is large (m + log S rounded to T would not be). S >= 1, so 1/S is finite.
        let m = V(repeating: T(sums.max))
        let logS = V(repeating: T(sums.logSumExp))
        let inverseS = V(repeating: T(Double._exp(-sums.logSumExp)))
        let total = V(repeating: T(sums.total))
        let s = V(repeating: scale)
        var c = 0
        while c < classes {
            let lanes = Swift.min(V.scalarCount, classes - c)
            let p = exponentials.map { load($0, c, lanes) * inverseS }
                ?? exp((load(z, c, lanes, fill: -.infinity) - m) - logS)
            if let grad { store(s * (total * p - a(c, lanes)), grad, c, lanes) }
            if let hess { store(s * total * p * (1 - p), hess, c, lanes) }
            c += lanes
        }
    }
}
