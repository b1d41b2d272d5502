/// Squared error, PyTorch's `mse_loss`: l = (x - y)², ∂l/∂x = 2(x - y), ∂²l/∂x² = 2.
public struct MSELoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "mse_loss", family: .regression,
        formula: "(x - y)^2",
        derivatives: "grad 2(x - y); hess 2")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let r = x - y
        return LossTerms(loss: r * r, grad: 2 * r, hess: V(repeating: 2))
    }
}
