/// Squared hinge loss on a margin z = y·x with labels y ∈ {-1, +1}, Keras's `squared_hinge`
/// and scikit-learn's `SGDClassifier(loss='squared_hinge')`:
///
///     l = max(0, 1 - z)²,   ∂l/∂x = -2y·max(0, 1 - z),   ∂²l/∂x² = 2 where z < 1, else 0
///
/// The gradient is continuous; the second derivative jumps at z = 1, where it is taken as 0
/// (the value on the side where the loss is zero).
public struct SquaredHingeLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "squared_hinge_loss", family: .binary,
        targetDomain: .signs,
        formula: "max(0, 1 - y x)^2, y in {-1, +1}",
        derivatives: "grad -2 y max(0, 1 - y x); hess 2 where y x < 1, else 0 (0 at y x = 1)")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let m = 1 - y * x
        let active = m.replacing(with: 0, where: m .<= V.zero)
        return LossTerms(loss: active * active, grad: -2 * y * active, hess: 2 * positiveStep(m))
    }
}
