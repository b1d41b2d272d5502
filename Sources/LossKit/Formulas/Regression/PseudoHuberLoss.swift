/// Pseudo-Huber (Charbonnier) loss, XGBoost's `reg:pseudohubererror(huber_slope = δ)`: a smooth
/// Huber loss, ½r² near the target and δ(|r| - δ) far from it.
///
///     q = √(1 + (r/δ)²)
///     l = δ²(q - 1),    ∂l/∂x = r/q,    ∂²l/∂x² = 1/q³      (r = x - y)
///
/// These are XGBoost's gradient z/√(1 + z²/δ²) and Hessian δ²/((δ² + z²)·√(1 + z²/δ²)) with
/// z = r, written shorter. δ²(q - 1) cancels for small r, so the loss is evaluated as
/// δ·|r|·(|r/δ| / (q + 1)), the same number without the subtraction; and q as a hypotenuse,
/// m·√(1 + (n/m)²) with m = max(|r/δ|, 1), n = min(|r/δ|, 1), so that (r/δ)² cannot overflow
/// and a residual of any finite size gives l ≈ δ|r|, gradient ±δ.
public struct PseudoHuberLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "pseudo_huber_loss", family: .regression,
        parameters: [ParameterSpec("delta", default: 1, lower: 0)],
        formula: "delta^2 (sqrt(1 + (r / delta)^2) - 1), r = x - y",
        derivatives: "grad r / q; hess 1 / q^3, q = sqrt(1 + (r / delta)^2)")

    public let delta: Double

    public init(delta: Double = 1) { self.delta = delta }
    public init(parameters: [Double]) { self.init(delta: parameters[0]) }
    public var parameters: [Double] { [delta] }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let one = V(repeating: 1)
        let d = V(repeating: V.Scalar(delta))
        let r = x - y
        let z = abs(r) / d
        let large = maximum(z, one)
        let ratio = minimum(z, one) / large
        let q = large * sqrt(one + ratio * ratio)
        return LossTerms(
            loss: d * abs(r) * (z / (q + one)),
            grad: r / q,
            hess: one / (q * q * q))
    }
}
