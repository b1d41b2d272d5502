/// Smooth L1 loss, PyTorch's `smooth_l1_loss(beta)`: quadratic within β of the target, linear
/// with slope 1 beyond, so it is `huber_loss(delta: β) / β` for β > 0.
///
///     l = ½r²/β          if |r| < β       ∂l/∂x = r/β,      ∂²l/∂x² = 1/β
///     l = |r| - ½β       otherwise        ∂l/∂x = sign r,   ∂²l/∂x² = 0      (r = x - y)
///
/// The comparison is PyTorch's strict `<`: at |r| = β both pieces have value ½β and slope
/// ±1, and the Hessian takes the linear side's 0. β = 0 allows no quadratic lane, which makes
/// the loss |r| with gradient sign r (0 at r = 0) exactly, as PyTorch's β = 0 special case.
public struct SmoothL1Loss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "smooth_l1_loss", family: .regression,
        parameters: [ParameterSpec("beta", default: 1, lower: 0, lowerInclusive: true)],
        formula: "0.5 r^2 / beta if |r| < beta else |r| - 0.5 beta, r = x - y",
        derivatives: "grad r / beta if |r| < beta else sign(r); hess 1 / beta if |r| < beta else 0")

    public let beta: Double

    public init(beta: Double = 1) { self.beta = beta }
    public init(parameters: [Double]) { self.init(beta: parameters[0]) }
    public var parameters: [Double] { [beta] }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let b = V(repeating: V.Scalar(beta))
        // +inf when β = 0; then no lane is quadratic and the value is never selected.
        let inverse = V(repeating: 1 / V.Scalar(beta))
        let r = x - y
        let a = abs(r)
        let quadratic = a .< b
        return LossTerms(
            loss: (a - 0.5 * b).replacing(with: 0.5 * r * r * inverse, where: quadratic),
            grad: sign(r).replacing(with: r * inverse, where: quadratic),
            hess: V.zero.replacing(with: inverse, where: quadratic))
    }
}
