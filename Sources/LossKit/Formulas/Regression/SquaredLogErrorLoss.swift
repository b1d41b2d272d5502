/// Squared logarithmic error, scikit-learn's `mean_squared_log_error` per element:
///
///     d = log(1 + x) - log(1 + y)
///     l = d²,   ∂l/∂x = 2d / (1 + x),   ∂²l/∂x² = 2(1 - d) / (1 + x)²
///
/// Input and target must be > -1 (checked by the C layer). These are twice XGBoost's
/// `reg:squaredlogerror` gradient and Hessian without its floors (XGBoost minimises ½d², clamps
/// x to ≥ -1 + 1e-6 and the Hessian to ≥ 1e-6). The exact Hessian is negative where d > 1,
/// i.e. x > e·(1 + y) - 1: the loss is not convex in x there.
public struct SquaredLogErrorLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "squared_log_error_loss", family: .regression,
        inputDomain: .aboveMinusOne,
        targetDomain: .aboveMinusOne,
        formula: "(log1p(x) - log1p(y))^2",
        derivatives: "grad 2 d / (1 + x); hess 2 (1 - d) / (1 + x)^2, d = log1p(x) - log1p(y)")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let one = V(repeating: 1)
        let d = log1p(x) - log1p(y)
        let inverse = one / (one + x)
        return LossTerms(
            loss: d * d,
            grad: 2 * d * inverse,
            hess: 2 * (one - d) * inverse * inverse)
    }
}
