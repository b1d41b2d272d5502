/// Multiclass losses of one class index y against a row of scores. Each formula below is the
/// catalogue's text; derivatives are with respect to the scores z, with p = softmax(z),
/// L = log p_y and δ_c = [c = y]. The softmax losses are functions of p_y alone: each gives its
/// loss and two derivative coefficients per row (``SoftmaxTargetTerms``), and
/// `softmaxClassIndexRow` (the softmax pass shared with cross-entropy, then one vector pass)
/// writes every class's derivatives. p_y, 1 - p_y and their logs come from ``SoftmaxRow``, so
/// 1 - p_y stays exact when p_y ≈ 1 and -inf scores of other classes add nothing.

/// PyTorch's `nll_loss`: the input holds log-probabilities.
public struct NLLLoss: RowwiseLoss {
    public static let spec = LossSpec(
        name: "nll_loss", family: .multiclass, kind: .rowwise, rowTarget: .classIndex, classWeight: "weight",
        formula: "-w_y x_y (x = log-probabilities)",
        derivatives: "grad -w_y at class y, 0 elsewhere; hess 0")
    public static var mean: RowMean { .targetClassWeight }
    public init(parameters: [Double]) {}

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        let w = r.weight(r.index)
        out.set(r.index, grad: -w, hess: 0)
        return -w * r[r.index]
    }
}

/// The family a·(-log p_y) + e·(1 - p_y), which Poly-1 (a = 1, e = ε) and symmetric
/// cross-entropy (a = α, e = -β·A) both are:
///
///     ∂l/∂z_c = (p_c - δ_c)(a + e p_y)
///     ∂²l/∂z_c² = a p_c (1 - p_c) + e p_y [p_c (1 - p_c) - (δ_c - p_c)²]
///
/// so g = a + e p_y and k = -e p_y (1 - p_y)² (see ``SoftmaxTargetTerms``).
@inlinable @inline(__always)
func polyRow<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>, a: Double, e: Double) -> Double {
    softmaxClassIndexRow(r, out) { t in
        let q = t.oneMinusP
        return SoftmaxTargetTerms(loss: -a * t.logP + e * q, slope: a + e * t.p, curvature: -e * t.p * q * q)
    }
}

/// Poly-1 cross-entropy (Leng et al., 2022), as optax's `poly_loss_cross_entropy` on a
/// one-hot target: CE + ε(1 - p_y).
public struct Poly1CrossEntropy: RowwiseLoss {
    public static let spec = LossSpec(
        name: "poly1_cross_entropy", family: .multiclass, kind: .rowwise,
        parameters: [ParameterSpec("epsilon", default: 2.0)],
        rowTarget: .classIndex,
        formula: "-log p_y + epsilon (1 - p_y), p = softmax(z)",
        derivatives: "grad (p - onehot(y))(1 + epsilon p_y); hess p(1 - p)(1 + epsilon p_y) - epsilon p_y (onehot(y) - p)^2")
    public let epsilon: Double
    public init(parameters: [Double]) { epsilon = parameters[0] }

    public static var writesEveryClass: Bool { true }

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        polyRow(r, out, a: 1, e: epsilon)
    }
}

/// Symmetric cross-entropy (Wang et al., 2019): α·CE + β·RCE, where the reverse
/// cross-entropy -Σ_c p_c log t_c of a one-hot t with log 0 clamped to A is -A(1 - p_y).
public struct SymmetricCrossEntropy: RowwiseLoss {
    public static let spec = LossSpec(
        name: "symmetric_cross_entropy", family: .multiclass, kind: .rowwise,
        parameters: [ParameterSpec("alpha", default: 0.1, lower: 0, lowerInclusive: true),
                     ParameterSpec("beta", default: 1.0, lower: 0, lowerInclusive: true),
                     ParameterSpec("log_zero", default: -4, upper: 0)],
        rowTarget: .classIndex,
        formula: "alpha (-log p_y) - beta A (1 - p_y), A = log_zero (RCE with log 0 := A)",
        derivatives: "grad (p - onehot(y))(alpha - beta A p_y); hess alpha p(1 - p) - beta A p_y [p(1 - p) - (onehot(y) - p)^2]")
    public let alpha: Double, beta: Double, logZero: Double
    public init(parameters: [Double]) {
        alpha = parameters[0]
        beta = parameters[1]
        logZero = parameters[2]
    }

    public static var writesEveryClass: Bool { true }

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        polyRow(r, out, a: alpha, e: -beta * logZero)
    }
}

/// Generalized cross-entropy (Zhang & Sabuncu, 2018) on logits: (1 - p_y^q)/q, which tends
/// to cross-entropy as q → 0 and to 1 - p_y (MAE) at q = 1.
///
///     ∂l/∂z_c = p_y^q (p_c - δ_c),   ∂²l/∂z_c² = p_y^q [p_c (1 - p_c) - q (δ_c - p_c)²]
public struct GeneralizedCrossEntropy: RowwiseLoss {
    public static let spec = LossSpec(
        name: "generalized_cross_entropy", family: .multiclass, kind: .rowwise,
        parameters: [ParameterSpec("q", default: 0.7, lower: 0, upper: 1, upperInclusive: true)],
        rowTarget: .classIndex,
        formula: "(1 - p_y^q) / q, p = softmax(z)",
        derivatives: "grad p_y^q (p - onehot(y)); hess p_y^q [p(1 - p) - q (onehot(y) - p)^2]")
    public let q: Double
    public init(parameters: [Double]) { q = parameters[0] }

    public static var writesEveryClass: Bool { true }

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        softmaxClassIndexRow(r, out) { t in
            // One exponential: p_y^q - 1 from p_y^q where that loses nothing (p_y^q < 1/2),
            // else from expm1, which keeps the loss of a confident row.
            let pq = Double._exp(q * t.logP), oneMinus = t.oneMinusP
            let loss = pq < 0.5 ? (1 - pq) / q : -Double._expm1(q * t.logP) / q
            return SoftmaxTargetTerms(loss: loss, slope: pq, curvature: -q * pq * oneMinus * oneMinus)
        }
    }
}

/// Softmax focal loss (Lin et al., 2017): -α_y (1 - p_y)^γ log p_y, with per-class α (the
/// class weights, 1 when absent). With L = log p_y, r = L/(1 - p_y) (its limit -1 at p_y = 1)
/// and f(L) = -(1 - e^L)^γ L:
///
///     f'  = (1 - p_y)^γ (γ p_y r - 1)
///     f'' = γ p_y (1 - p_y)^(γ-1) [(2 + L) - (γ - 1) p_y r]
///     ∂l/∂z_c = α_y f' (δ_c - p_c),   ∂²l/∂z_c² = α_y [f'' (δ_c - p_c)² - f' p_c (1 - p_c)]
///
/// so g = -α_y f' and k = α_y f''·(1 - p_y)², whose factor (1 - p_y)^(γ+1) is formed in log
/// space: finite for every γ >= 0, where f'' alone is infinite at p_y = 1 for γ < 1.
public struct SoftmaxFocalLoss: RowwiseLoss {
    public static let spec = LossSpec(
        name: "softmax_focal_loss", family: .multiclass, kind: .rowwise,
        parameters: [ParameterSpec("gamma", default: 2.0, lower: 0, lowerInclusive: true)],
        rowTarget: .classIndex, classWeight: "alpha",
        formula: "-alpha_y (1 - p_y)^gamma log p_y, p = softmax(z)",
        derivatives: "grad alpha_y f'(L) (onehot(y) - p); hess alpha_y [f''(L) (onehot(y) - p)^2 - f'(L) p(1 - p)], f(L) = -(1 - e^L)^gamma L, L = log p_y")
    public let gamma: Double
    /// γ as a count of factors when it is a whole number up to 8 (γ = 2 by default), else -1.
    @usableFromInline let factors: Int
    public init(parameters: [Double]) {
        gamma = parameters[0]
        factors = gamma == gamma.rounded(.down) && gamma <= 8 ? Int(gamma) : -1
    }

    public static var writesEveryClass: Bool { true }

    /// (1 - p_y)^γ: by multiplication for a whole γ (more exact, and no libm call per row),
    /// else in log space as e^(γ log(1 - p_y)).
    @inlinable @inline(__always)
    func power(_ q: Double, _ t: SoftmaxTarget) -> Double {
        guard factors >= 0 else { return Double._exp(gamma * t.logOneMinusP) }
        var result = 1.0
        for _ in 0..<factors { result *= q }
        return result
    }

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        let alpha = r.weight(r.index)
        return softmaxClassIndexRow(r, out) { t in
            let L = t.logP, q = t.oneMinusP, py = t.p
            let qGamma = power(q, t)
            let ratio = q > 0 ? L / q : -1
            let f1 = qGamma * (gamma * py * ratio - 1)
            // f''·(1 - p_y)² = γ p_y [(2 + L) - (γ - 1) p_y r]·(1 - p_y)^(γ+1), with
            // (1 - p_y)^(γ+1) = (1 - p_y)^γ·(1 - p_y) <= 1 (finite where f'' is not).
            let f2 = gamma == 0 ? 0 : gamma * py * ((2 + L) - (gamma - 1) * py * ratio) * (qGamma * q)
            return SoftmaxTargetTerms(loss: -alpha * qGamma * L, slope: -alpha * f1, curvature: alpha * f2)
        }
    }
}
