/// Log-cosh loss (Keras `LogCosh`, optax `log_cosh`): about ½r² near the target and |r| - log 2
/// far from it, smooth everywhere.
///
///     l = log cosh r,   ∂l/∂x = tanh r,   ∂²l/∂x² = 1 - tanh² r = sech² r      (r = x - y)
///
/// cosh overflows for |r| > 89 (Float) or 710 (Double), so nothing here forms it. With
/// a = |r|, t = e^(-2a) and u = e^(-2a) - 1 (by expm1):
///
///     tanh a = -u / (2 + u),    sech² a = 4t / (1 + t)²,
///     log cosh a = ½·log1p(u² / 4t)       (= ½·log(1 + sinh² a))      for a < 1,
///     log cosh a = a - log 2 + log1p(t)                                   otherwise.
///
/// The second form is the textbook stable one (|r| + softplus(-2|r|) - log 2); near r = 0 it
/// subtracts numbers of size log 2 to get ½r², so it returns 0 for r = 1e-4 in Float. The
/// first form has no cancellation there, and the second none for a ≥ 1, where l ≥ 0.43.
/// Large |r| gives l = |r| - log 2, gradient ±1 and Hessian 4e^(-2|r|) (0 once it underflows).
public struct LogCoshLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "log_cosh_loss", family: .regression,
        formula: "log cosh(r), r = x - y",
        derivatives: "grad tanh(r); hess 1 - tanh(r)^2")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let one = V(repeating: 1)
        let r = x - y
        let a = abs(r)
        let t = exp(-2 * a)
        let u = expm1(-2 * a)
        let near = a .< one
        let logTwo = V(repeating: V.Scalar(0.693_147_180_559_945_309_4))
        // Each lane needs one log1p; its argument depends on the form the lane uses.
        let l = log1p(t.replacing(with: u * u / (4 * t), where: near))
        let onePlusT = one + t
        return LossTerms(
            loss: (a - logTwo + l).replacing(with: 0.5 * l, where: near),
            grad: sign(r) * (-u / (2 + u)),
            hess: 4 * t / (onePlusT * onePlusT))
    }
}
