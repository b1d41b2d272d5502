/// Gaussian negative log-likelihood with a predicted variance, PyTorch's `gaussian_nll_loss`:
/// x is the predicted mean, y the observation and the column operand v the predicted variance.
///
///     v' = max(v, ε),   r = x - y
///     l = ½·(log v' + r²/v') + full·½·log 2π
///     ∂l/∂x = r/v',   ∂²l/∂x² = 1/v',   ∂l/∂v = ½·(1/v' - r²/v'²)
///
/// The clamp guards against a variance that has collapsed to 0. Like PyTorch (which clamps in
/// place under no_grad), the variance gradient is evaluated at the clamped value and passed
/// straight through, even where v < ε: so v = 1e-9, r = 1 gives ∂l/∂v ≈ -5e11 and not 0, and
/// the variance keeps being pushed back up. `full` (0 or 1) adds the constant ½·log 2π; the
/// derivatives with respect to the parameters are ½·log 2π for `full` and, where the clamp is
/// active, ½·(1/ε - r²/ε²) for `eps`.
public struct GaussianNLLLoss: ParameterDifferentiableLoss {
    public static let spec = LossSpec(
        name: "gaussian_nll_loss", family: .distributions,
        parameters: [
            .flag("full", default: false),
            ParameterSpec("eps", default: 1e-6, lower: 0),
        ],
        columnParameter: "var",
        formula: "0.5 (log v' + (x - y)^2 / v') + full 0.5 log(2 pi), v' = max(var, eps)",
        derivatives: "grad (x - y) / v'; hess 1 / v'; var 0.5 (1 / v' - (x - y)^2 / v'^2) "
            + "(straight through the clamp, as PyTorch)")

    /// ½·log 2π.
    public static let halfLogTwoPi = 0.91893853320467274178

    public let full: Double
    public let eps: Double

    public init(full: Double = 0, eps: Double = 1e-6) {
        self.full = full
        self.eps = eps
    }
    public init(parameters: [Double]) { self.init(full: parameters[0], eps: parameters[1]) }

    @inlinable @inline(__always)
    public func evaluateWithParameterDerivatives<V: LossVector>(
        _ x: V, _ y: V, column v: V
    ) -> (LossTerms<V>, ParameterDerivatives<V>) {
        let floor = V(repeating: V.Scalar(eps))
        let clamped = maximum(v, floor)
        let inverse = 1 / clamped
        let r = x - y
        let rOverV = r * inverse
        let dv = 0.5 * inverse * (1 - r * rOverV)
        let constant = V.Scalar(Self.halfLogTwoPi)
        return (
            LossTerms(
                loss: 0.5 * (log(clamped) + r * rOverV) + V.Scalar(full) * constant,
                grad: rOverV,
                hess: inverse),
            ParameterDerivatives(
                V(repeating: constant),
                V.zero.replacing(with: dv, where: v .< floor),
                column: dv))
    }
}
