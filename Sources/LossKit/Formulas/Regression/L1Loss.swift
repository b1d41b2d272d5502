/// Absolute error, PyTorch's `l1_loss`: l = |x - y|, ∂l/∂x = sign(x - y).
///
/// At x = y the gradient is 0 (PyTorch's subgradient). The second derivative is exactly 0
/// wherever it exists; boosted-tree adapters substitute their own convention.
public struct L1Loss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "l1_loss", family: .regression,
        formula: "|x - y|",
        derivatives: "grad sign(x - y) (0 at x = y); hess 0")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let r = x - y
        return LossTerms(loss: abs(r), grad: sign(r), hess: V.zero)
    }
}
