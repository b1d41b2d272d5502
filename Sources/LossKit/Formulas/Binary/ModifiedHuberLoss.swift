/// Modified Huber loss on a margin z = y·x with labels y ∈ {-1, +1}, scikit-learn's
/// `SGDClassifier(loss='modified_huber')`: a squared hinge that turns linear for badly wrong
/// predictions, so outliers pull with a bounded force while the loss stays differentiable.
///
///     l = 0 (z >= 1),            (1 - z)² (-1 <= z < 1),       -4z (z < -1)
///     ∂l/∂x = 0,                 -2y(1 - z),                   -4y
///     ∂²l/∂x² = 0,               2,                            0
///
/// The branches at z = 1 and z = -1 are scikit-learn's. Loss and gradient are continuous; the
/// second derivative jumps at both points and takes the value of the branch that owns the point.
public struct ModifiedHuberLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "modified_huber_loss", family: .binary,
        targetDomain: .signs,
        formula: "0 if y x >= 1; (1 - y x)^2 if y x >= -1; -4 y x otherwise; y in {-1, +1}",
        derivatives: "grad 0, -2 y (1 - y x), -4 y on those branches; hess 0, 2, 0")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let z = y * x
        let m = 1 - z
        let one = V(repeating: 1)
        let flat = z .>= one
        let linear = z .< -one
        return LossTerms(
            loss: (m * m).replacing(with: 0, where: flat).replacing(with: -4 * z, where: linear),
            grad: (-2 * y * m).replacing(with: 0, where: flat).replacing(with: -4 * y, where: linear),
            hess: V(repeating: 2).replacing(with: 0, where: flat .| linear))
    }
}
