/// Sigmoid focal loss (Lin et al. 2017) on logits x, torchvision's `sigmoid_focal_loss` and
/// optax's: binary cross-entropy scaled down where the prediction is already good.
///
///     p = σ(x),  q = 1 - p_t = y·(1 - p) + (1 - y)·p,  ce = -[y·log p + (1 - y)·log(1 - p)]
///     l = α_t·ce·q^γ,     α_t = α·y + (1 - α)·(1 - y)   (α_t = 1 when α < 0: no weighting)
///
/// With u = p(1 - p), r = u/q, s = 1 - 2y (so dq/dx = s·u) and F = q^γ:
///
///     ∂l/∂x   = α_t·F·(ce' + γ·s·r·ce)                                  ce' = p - y
///     ∂²l/∂x² = α_t·F·(u + 2γ·s·r·ce' + γ·s·r·ce·((γ - 1)·s·r + 1 - 2p))
///
/// Everything is computed from quantities that stay finite for any logit and any γ >= 0:
/// ce = (1 - y)·softplus(x) + y·softplus(-x); F = exp(γ·log q) with log q evaluated in log
/// space as logaddexp(log y - softplus(x), log(1 - y) - softplus(-x)) (so q^0 = 1 even where q
/// underflows, and 0^γ never appears in a derivative); r = 1/(1 + y·e^-x + (1 - y)·e^x), whose
/// terms are dropped where their label factor is 0 so that 0·∞ never occurs. At γ = 0 with
/// α < 0 this is exactly binary cross-entropy with logits. Soft labels y ∈ [0, 1] are allowed
/// (as in torchvision and optax); for them q >= min(y, 1 - y) > 0.
public struct SigmoidFocalLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "sigmoid_focal_loss", family: .binary,
        parameters: [
            ParameterSpec("alpha", default: 0.25, upper: 1, upperInclusive: true),
            ParameterSpec("gamma", default: 2, lower: 0, lowerInclusive: true),
        ],
        targetDomain: .unitInterval,
        formula: "alpha_t ce(x, y) (1 - p_t)^gamma, p = sigmoid(x), p_t = p y + (1 - p)(1 - y), "
            + "alpha_t = alpha y + (1 - alpha)(1 - y) (1 when alpha < 0)",
        derivatives: "grad a F (ce' + gamma s r ce); hess a F (u + 2 gamma s r ce' + gamma s r ce ((gamma - 1) s r + 1 - 2p)), "
            + "u = p (1 - p), q = 1 - p_t, r = u / q, s = 1 - 2y, F = q^gamma, ce' = p - y")

    public let alpha: Double
    public let gamma: Double

    public init(alpha: Double = 0.25, gamma: Double = 2) {
        self.alpha = alpha
        self.gamma = gamma
    }
    public init(parameters: [Double]) { self.init(alpha: parameters[0], gamma: parameters[1]) }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let one = V(repeating: 1)
        let g = V.Scalar(gamma)
        let (positiveWeight, negativeWeight) = alpha < 0 ? (1.0, 1.0) : (alpha, 1 - alpha)
        let at = V.Scalar(negativeWeight) + V.Scalar(positiveWeight - negativeWeight) * y
        let notY = one - y
        let spPos = softplus(x)
        let spNeg = softplus(-x)
        let pPos = sigmoid(x)
        let pNeg = sigmoid(-x)
        let u = pPos * pNeg
        let ce = notY * spPos + y * spNeg
        let dce = notY * pPos - y * pNeg
        let logQ = logAddExp(log(y) - spPos, log(notY) - spNeg)
        let f = exp(g * logQ)
        let toPositive = (y * exp(-x)).replacing(with: 0, where: y .== V.zero)
        let toNegative = (notY * exp(x)).replacing(with: 0, where: notY .== V.zero)
        let r = one / (one + toPositive + toNegative)
        let s = one - 2 * y
        let gsr = g * s * r
        let af = at * f
        return LossTerms(
            loss: af * ce,
            grad: af * (dce + gsr * ce),
            hess: af * (u + 2 * gsr * dce + gsr * ce * ((g - 1) * s * r + (pNeg - pPos))))
    }
}
