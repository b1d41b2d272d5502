/// Exponential (AdaBoost) loss with labels y ∈ {0, 1}, scikit-learn's `ExponentialLoss` of
/// `GradientBoostingClassifier(loss='exponential')`:
///
///     l = y·e^(-x) + (1 - y)·e^x = e^(s·x),   ∂l/∂x = s·e^(s·x),   ∂²l/∂x² = e^(s·x),   s = 1 - 2y
///
/// Labels are 0/1 like scikit-learn's (it is exp(-y±·x) for the ±1 label y± = 2y - 1). Only
/// one exponential is evaluated, so a large |x| gives inf or 0 but never 0·∞ = NaN.
public struct ExponentialLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "exponential_loss", family: .binary,
        targetDomain: .zeroOne,
        formula: "y exp(-x) + (1 - y) exp(x), y in {0, 1}",
        derivatives: "grad (1 - 2y) exp((1 - 2y) x); hess exp((1 - 2y) x)")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let s = 1 - 2 * y
        let e = exp(s * x)
        return LossTerms(loss: e, grad: s * e, hess: e)
    }
}
