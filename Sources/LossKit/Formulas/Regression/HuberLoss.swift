/// Huber loss, PyTorch's `huber_loss(delta)`: quadratic near zero, linear in the tails, so
/// outliers pull with a bounded force δ.
///
///     l = ½r²             if |r| ≤ δ        ∂l/∂x = r,        ∂²l/∂x² = 1
///     l = δ(|r| - ½δ)     otherwise         ∂l/∂x = δ·sign r, ∂²l/∂x² = 0      (r = x - y)
public struct HuberLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "huber_loss", family: .regression,
        parameters: [ParameterSpec("delta", default: 1, lower: 0)],
        formula: "0.5 r^2 if |r| <= delta else delta (|r| - 0.5 delta), r = x - y",
        derivatives: "grad clip(r, -delta, delta); hess 1 if |r| <= delta else 0")

    public let delta: Double

    public init(delta: Double = 1) { self.delta = delta }
    public init(parameters: [Double]) { self.init(delta: parameters[0]) }
    public var parameters: [Double] { [delta] }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let d = V(repeating: V.Scalar(delta))
        let r = x - y
        let a = abs(r)
        let inside = a .<= d
        let linear = d * (a - 0.5 * d)
        return LossTerms(
            loss: linear.replacing(with: 0.5 * r * r, where: inside),
            grad: (d * sign(r)).replacing(with: r, where: inside),
            hess: V.zero.replacing(with: 1, where: inside))
    }
}
