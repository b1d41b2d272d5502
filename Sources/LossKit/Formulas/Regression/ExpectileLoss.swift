/// Expectile loss at level τ (asymmetric least squares, Newey and Powell 1987): its minimiser
/// over constant predictions is the τ-expectile of the targets, as the quantile loss gives the
/// τ-quantile; τ = ½ gives half the squared error (the mean).
///
///     w = τ if x < y (under-prediction), 1 - τ if x ≥ y
///     l = w·r²,    ∂l/∂x = 2w·r,    ∂²l/∂x² = 2w      (r = x - y)
///
/// That is |τ - 1[u < 0]|·u² in the residual u = y - x of the literature, so τ > ½ penalises
/// predictions below the target more, as a high quantile does. The Hessian jumps at x = y;
/// there it is 2(1 - τ), the side XGBoost's `reg:expectileerror` (3.3+) takes. XGBoost's
/// gradient and Hessian are half of these (it minimises ½w·r²).
public struct ExpectileLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "expectile_loss", family: .regression,
        parameters: [ParameterSpec("expectile", default: 0.5, lower: 0, upper: 1)],
        formula: "w r^2, w = tau if r < 0 else 1 - tau, r = x - y, tau = expectile",
        derivatives: "grad 2 w r; hess 2 w (2 (1 - tau) at r = 0)")

    public let expectile: Double

    public init(expectile: Double = 0.5) { self.expectile = expectile }
    public init(parameters: [Double]) { self.init(expectile: parameters[0]) }
    public var parameters: [Double] { [expectile] }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let tau = V(repeating: V.Scalar(expectile))
        let r = x - y
        let w = tau.replacing(with: V(repeating: 1) - tau, where: r .>= V.zero)
        let wr = w * r
        return LossTerms(loss: wr * r, grad: 2 * wr, hess: 2 * w)
    }
}
