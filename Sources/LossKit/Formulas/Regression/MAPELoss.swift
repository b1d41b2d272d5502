/// Absolute percentage error, scikit-learn's `mean_absolute_percentage_error` (a fraction, not
/// Keras's percentage):
///
///     l = |r| / max(|y|, ε),   ∂l/∂x = sign(r) / max(|y|, ε),   ∂²l/∂x² = 0      (r = x - y)
///
/// ε = 2⁻⁵² ≈ 2.2e-16, float64's machine epsilon, in both precisions: scikit-learn's choice, so a
/// zero target gives the same huge but finite value (|r|·4.5e15) as its metric. (Keras divides
/// by max(|y|, 1e-7).) The gradient is 0 at r = 0, as `l1_loss`'s; the second derivative is
/// exactly 0 wherever it exists.
public struct MAPELoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "mape_loss", family: .regression,
        formula: "|r| / max(|y|, 2^-52), r = x - y",
        derivatives: "grad sign(r) / max(|y|, 2^-52); hess 0")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let floor = V(repeating: V.Scalar(Double.ulpOfOne))
        let scale = V(repeating: 1) / maximum(abs(y), floor)
        let r = x - y
        return LossTerms(loss: abs(r) * scale, grad: sign(r) * scale, hess: V.zero)
    }
}
