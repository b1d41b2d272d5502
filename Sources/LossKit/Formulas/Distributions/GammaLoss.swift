/// Gamma regression loss on the log-mean m (the log link of XGBoost's `reg:gamma`, LightGBM's
/// `gamma` and scikit-learn's `HalfGammaLoss`), for targets y > 0 (checked by the C layer):
///
///     l = m + y·e^(-m),   ∂l/∂x = 1 - y·e^(-m),   ∂²l/∂x² = y·e^(-m)
///
/// This is the gamma negative log-likelihood up to terms free of m, identical to
/// scikit-learn's `HalfGammaLoss.loss` (half the deviance without its constant), and its
/// gradient and Hessian are exactly XGBoost's and LightGBM's. The minimum over m is
/// l* = 1 + log y, at m = log y, so the gamma deviance of a prediction μ = e^m is
/// 2·(l - l*) = 2·(log(μ/y) + y/μ - 1), scikit-learn's `mean_gamma_deviance` term.
public struct GammaLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "gamma_loss", family: .distributions,
        targetDomain: .positive,
        formula: "x + y exp(-x), x = log mean",
        derivatives: "grad 1 - y exp(-x); hess y exp(-x)")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let scaled = y * exp(-x)
        return LossTerms(loss: x + scaled, grad: 1 - scaled, hess: scaled)
    }
}
