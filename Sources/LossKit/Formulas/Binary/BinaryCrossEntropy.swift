/// Binary cross-entropy on probabilities p, PyTorch's `binary_cross_entropy`, including its two
/// guards, so that p = 0 or p = 1 give finite results instead of inf and NaN:
///
///     l = -[y·max(log p, -100) + (1 - y)·max(log(1 - p), -100)]
///     ∂l/∂p = (p - y) / max(p(1 - p), ε)                          ε = 1e-12 (as a Float)
///     ∂²l/∂p² = y/p² + (1 - y)/(1 - p)²   where p(1 - p) > ε,  1/ε where it is clamped
///
/// The log clamp makes p = 0 with y = 1 cost 100 (not inf). PyTorch's gradient is not the
/// derivative of the clamped loss but the formula above: at p = 0, y = 1 it is -1/ε ≈ -1e12.
/// PyTorch stores ε = 1e-12 as a Float, so it is 9.99999996e-13 in Double arithmetic too; the
/// same constant here gives PyTorch's gradient in both precisions. log(1 - p) is log1p(-p).
///
/// The Hessian is the exact derivative of that gradient (so finite differences of the gradient
/// reproduce it everywhere), which also makes a Newton step -g/h = y - p in the clamped region.
/// PyTorch's double backward differs slightly: it divides by (p(1 - p) + ε)², relative
/// difference 2ε/(p(1 - p)) inside, and 1/ε² instead of 1/ε where clamped.
public struct BinaryCrossEntropy: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "binary_cross_entropy", family: .binary,
        inputDomain: .unitInterval,
        targetDomain: .unitInterval,
        formula: "-(y max(log p, -100) + (1 - y) max(log(1 - p), -100)), p = input",
        derivatives: "grad (p - y) / max(p (1 - p), 1e-12); hess y/p^2 + (1 - y)/(1 - p)^2, "
            + "1e12 where p (1 - p) <= 1e-12 (the derivative of the clamped gradient)")

    /// PyTorch's `EPSILON` of the BCE backward, a Float constant.
    public static let epsilon = Double(Float(1e-12))

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ p: V, _ y: V, column: V) -> LossTerms<V> {
        let one = V(repeating: 1)
        let floor = V(repeating: -100)
        let eps = V(repeating: V.Scalar(Self.epsilon))
        let q = one - p
        let pq = p * q
        let clamped = pq .<= eps
        return LossTerms(
            loss: -(y * maximum(log(p), floor) + (one - y) * maximum(log1p(-p), floor)),
            grad: (p - y) / maximum(pq, eps),
            hess: (y / (p * p) + (one - y) / (q * q)).replacing(with: one / eps, where: clamped))
    }
}
