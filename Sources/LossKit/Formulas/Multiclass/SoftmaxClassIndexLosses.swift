/// Multiclass losses of one class index y against a row of scores. Each formula below is the
/// catalogue's text; derivatives are with respect to the scores z, with p = softmax(z),
/// L = log p_y and δ_c = [c = y]. Every softmax quantity comes from ``SoftmaxRow`` (log space,
/// so 1 - p_y stays exact when p_y ≈ 1 and -inf scores of other classes add nothing).

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
@inlinable
func polyRow<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>, a: Double, e: Double) -> Double {
    let sm = SoftmaxRow(r)
    let y = r.index
    let L = sm.logP(r[y])
    let py = sm.p(r[y])
    let oneMinus = sm.oneMinusP(y, p: py)
    if out.derivatives {
        for c in 0..<r.classes {
            let pc = c == y ? py : sm.p(r[c])
            let qc = sm.oneMinusP(c, p: pc)
            let d = c == y ? -oneMinus : pc  // p_c - δ_c
            out.set(c, grad: d * (a + e * py),
                    hess: a * pc * qc + e * py * (pc * qc - d * d))
        }
    }
    return -a * L + e * oneMinus
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

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        let sm = SoftmaxRow(r)
        let y = r.index
        let L = sm.logP(r[y])
        let pq = Double._exp(q * L)
        if out.derivatives {
            let oneMinusY = sm.oneMinusP(y, p: sm.p(r[y]))
            for c in 0..<r.classes {
                let pc = sm.p(r[c])
                let d = c == y ? -oneMinusY : pc
                out.set(c, grad: pq * d, hess: pq * (pc * sm.oneMinusP(c, p: pc) - q * d * d))
            }
        }
        return -Double._expm1(q * L) / q
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
/// (1 - p_y)^(γ-1)(δ_c - p_c)² is formed in log space, so it is finite for every γ >= 0.
public struct SoftmaxFocalLoss: RowwiseLoss {
    public static let spec = LossSpec(
        name: "softmax_focal_loss", family: .multiclass, kind: .rowwise,
        parameters: [ParameterSpec("gamma", default: 2.0, lower: 0, lowerInclusive: true)],
        rowTarget: .classIndex, classWeight: "alpha",
        formula: "-alpha_y (1 - p_y)^gamma log p_y, p = softmax(z)",
        derivatives: "grad alpha_y f'(L) (onehot(y) - p); hess alpha_y [f''(L) (onehot(y) - p)^2 - f'(L) p(1 - p)], f(L) = -(1 - e^L)^gamma L, L = log p_y")
    public let gamma: Double
    public init(parameters: [Double]) { gamma = parameters[0] }

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        let sm = SoftmaxRow(r)
        let y = r.index
        let alpha = r.weight(y)
        let L = sm.logP(r[y])
        let py = sm.p(r[y])
        let q = sm.oneMinusP(y, p: py)
        let logQ = sm.logOneMinusP(y, r[y])
        let qGamma = gamma == 0 ? 1 : Double._exp(gamma * logQ)
        let loss = -alpha * qGamma * L
        guard out.derivatives else { return loss }
        let ratio = q > 0 ? L / q : -1
        let f1 = qGamma * (gamma * py * ratio - 1)
        let f2Factor = gamma * py * ((2 + L) - (gamma - 1) * py * ratio)
        for c in 0..<r.classes {
            let pc = c == y ? py : sm.p(r[c])
            let d = c == y ? q : -pc  // δ_c - p_c
            // (1 - p_y)^(γ-1) (δ_c - p_c)², in log space.
            var curvature = 0.0
            if gamma != 0 {
                if c == y {
                    curvature = q == 0 ? 0 : Double._exp((gamma + 1) * logQ)
                } else if pc > 0 {
                    curvature = Double._exp((gamma - 1) * logQ + 2 * sm.logP(r[c]))
                }
            }
            out.set(c, grad: alpha * f1 * d,
                    hess: alpha * (f2Factor * curvature - f1 * pc * sm.oneMinusP(c, p: pc)))
        }
        return loss
    }
}
