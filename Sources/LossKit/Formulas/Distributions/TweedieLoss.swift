/// Tweedie regression loss on the log-mean m with variance power ρ ∈ (1, 2) (compound
/// Poisson-gamma: XGBoost's `reg:tweedie`, LightGBM's `tweedie`, scikit-learn's
/// `HalfTweedieLoss`), for targets y ≥ 0 (checked by the C layer). With a = y·e^((1-ρ)m) and
/// b = e^((2-ρ)m):
///
///     l = b/(2 - ρ) - a/(1 - ρ),   ∂l/∂x = b - a,   ∂²l/∂x² = (2 - ρ)·b - (1 - ρ)·a
///
/// This is the Tweedie negative log-likelihood up to terms free of m: scikit-learn's
/// `HalfTweedieLoss.loss` (half the deviance without its constant) and XGBoost's
/// `tweedie-nloglik`; the gradient and Hessian are exactly XGBoost's and LightGBM's. The
/// minimum over m is l* = -y^(2-ρ)/((1 - ρ)(2 - ρ)), at m = log y, so the deviance is
/// 2·(l - l*), scikit-learn's `mean_tweedie_deviance` term. The endpoints are separate
/// losses: ρ = 1 is `poisson_nll_loss`, ρ = 2 `gamma_loss`. A zero target switches a off even
/// where e^((1-ρ)m) overflows (large negative m).
public struct TweedieLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "tweedie_loss", family: .distributions,
        parameters: [ParameterSpec("power", default: 1.5, lower: 1, upper: 2)],
        targetDomain: .nonNegative,
        formula: "exp((2 - p) x) / (2 - p) - y exp((1 - p) x) / (1 - p), p = power, x = log mean",
        derivatives: "grad b - a; hess (2 - p) b - (1 - p) a, a = y exp((1 - p) x), b = exp((2 - p) x)")

    public let power: Double

    public init(power: Double = 1.5) { self.power = power }
    public init(parameters: [Double]) { self.init(power: parameters[0]) }
    public var parameters: [Double] { [power] }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let oneMinus = V(repeating: V.Scalar(1 - power))
        let twoMinus = V(repeating: V.Scalar(2 - power))
        let a = absorbingProduct(y, exp(oneMinus * x))
        let b = exp(twoMinus * x)
        return LossTerms(
            loss: b / twoMinus - a / oneMinus,
            grad: b - a,
            hess: twoMinus * b - oneMinus * a)
    }
}
