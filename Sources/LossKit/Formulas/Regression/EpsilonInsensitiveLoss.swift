/// ε-insensitive loss of support vector regression, scikit-learn's SGD losses
/// `epsilon_insensitive` and (with `squared`) `squared_epsilon_insensitive`: residuals within ε
/// of the target cost nothing.
///
///     e = max(0, |r| - ε)      (r = x - y)
///     linear:   l = e,    ∂l/∂x = sign(r)·[|r| > ε],   ∂²l/∂x² = 0
///     squared:  l = e²,   ∂l/∂x = 2·sign(r)·e,         ∂²l/∂x² = 2·[|r| > ε]
///
/// As in scikit-learn the band is closed: |r| = ε is inside (gradient 0). The linear loss's
/// second derivative is exactly 0 wherever it exists. `squared` is a flag parameter (0 or 1)
/// rather than a second catalogue entry because the two share everything but the last step.
public struct EpsilonInsensitiveLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "epsilon_insensitive_loss", family: .regression,
        parameters: [ParameterSpec("epsilon", default: 0.1, lower: 0, lowerInclusive: true),
                     .flag("squared", default: false)],
        formula: "e if not squared else e^2, e = max(0, |r| - epsilon), r = x - y",
        derivatives: "linear: grad sign(r) [|r| > epsilon], hess 0; "
            + "squared: grad 2 sign(r) e, hess 2 [|r| > epsilon]")

    public let epsilon: Double
    public let squared: Bool

    public init(epsilon: Double = 0.1, squared: Bool = false) {
        self.epsilon = epsilon
        self.squared = squared
    }
    public init(parameters: [Double]) { self.init(epsilon: parameters[0], squared: parameters[1] != 0) }
    public var parameters: [Double] { [epsilon, squared ? 1 : 0] }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let eps = V(repeating: V.Scalar(epsilon))
        let r = x - y
        let a = abs(r)
        let inside = a .<= eps
        let excess = (a - eps).replacing(with: 0, where: inside)
        let slope = sign(r).replacing(with: 0, where: inside)
        if squared {
            return LossTerms(loss: excess * excess, grad: 2 * slope * excess,
                             hess: V(repeating: 2).replacing(with: 0, where: inside))
        }
        return LossTerms(loss: excess, grad: slope, hess: V.zero)
    }
}
