/// Quantile (pinball) loss at level τ, scikit-learn's `mean_pinball_loss(alpha = τ)`: its
/// minimiser over constant predictions is the τ-quantile of the targets.
///
///     l = (1 - τ)·r    if r ≥ 0 (over-prediction)      ∂l/∂x = 1 - τ
///     l = -τ·r         if r < 0 (under-prediction)     ∂l/∂x = -τ         (r = x - y)
///
/// At r = 0 the gradient is 0, a subgradient (0 ∈ [-τ, 1 - τ]) and the same rule as
/// `l1_loss`, so τ = ½ gives exactly half the L1 loss and gradient. XGBoost and LightGBM use
/// 1 - τ there. The second derivative is exactly 0 wherever it exists; boosted-tree adapters
/// substitute their own convention (the boosters use 1 and renew leaf values).
public struct QuantileLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "quantile_loss", family: .regression,
        parameters: [ParameterSpec("quantile", default: 0.5, lower: 0, upper: 1)],
        formula: "(1 - tau) r if r >= 0 else -tau r, r = x - y, tau = quantile",
        derivatives: "grad 1 - tau if r > 0, -tau if r < 0, 0 at r = 0; hess 0")

    public let quantile: Double

    public init(quantile: Double = 0.5) { self.quantile = quantile }
    public init(parameters: [Double]) { self.init(quantile: parameters[0]) }
    public var parameters: [Double] { [quantile] }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let tau = V(repeating: V.Scalar(quantile))
        let above = V(repeating: 1) - tau
        let r = x - y
        return LossTerms(
            loss: (-tau * r).replacing(with: above * r, where: r .>= V.zero),
            grad: V.zero.replacing(with: above, where: r .> V.zero).replacing(with: -tau, where: r .< V.zero)
                .replacing(with: r, where: r .!= r),
            hess: V.zero)
    }
}
