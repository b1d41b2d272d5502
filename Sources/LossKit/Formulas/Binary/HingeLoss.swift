/// Hinge loss on a margin z = y·x with labels y ∈ {-1, +1}, optax's `hinge_loss` and
/// scikit-learn's `hinge_loss` metric and `SGDClassifier(loss='hinge')`:
///
///     l = max(0, 1 - z),   ∂l/∂x = -y where z < 1, else 0,   ∂²l/∂x² = 0
///
/// At the kink z = 1 the gradient is 0 (the loss is at its minimum there and 0 is a
/// subgradient; PyTorch's relu makes the same choice). scikit-learn's SGD uses -y there. The
/// second derivative is exactly 0 wherever it exists.
public struct HingeLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "hinge_loss", family: .binary,
        targetDomain: .signs,
        formula: "max(0, 1 - y x), y in {-1, +1}",
        derivatives: "grad -y where y x < 1, else 0 (0 at the kink y x = 1); hess 0")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let m = 1 - y * x
        return LossTerms(
            loss: m.replacing(with: 0, where: m .<= V.zero),
            grad: -y * positiveStep(m),
            hess: V.zero)
    }
}
