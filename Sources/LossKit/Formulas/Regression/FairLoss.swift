/// Fair loss, LightGBM's `fair(fair_c = c)`: ½r² near the target, growing like c|r| far from
/// it, with a Hessian that decays smoothly instead of dropping to 0.
///
///     l = c²(|r|/c - log(1 + |r|/c)),   ∂l/∂x = c·r / (|r| + c),   ∂²l/∂x² = c² / (|r| + c)²
///
/// (r = x - y). The gradient and Hessian are LightGBM's. The loss is evaluated as
/// c·(|r| - c·log1p(|r|/c)), which is 0 at r = 0 even when c² overflows. For |r| ≪ c that
/// subtraction leaves the loss (≈ ½r²) an absolute error of a few ulps of c·|r|; the
/// derivatives have no subtraction and stay accurate to a few ulps.
public struct FairLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "fair_loss", family: .regression,
        parameters: [ParameterSpec("c", default: 1, lower: 0)],
        formula: "c^2 (|r| / c - log(1 + |r| / c)), r = x - y",
        derivatives: "grad c r / (|r| + c); hess c^2 / (|r| + c)^2")

    public let c: Double

    public init(c: Double = 1) { self.c = c }
    public init(parameters: [Double]) { self.init(c: parameters[0]) }
    public var parameters: [Double] { [c] }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let c = V(repeating: V.Scalar(self.c))
        let r = x - y
        let a = abs(r)
        let s = c / (a + c)
        return LossTerms(
            loss: c * (a - c * log1p(a / c)),
            grad: s * r,
            hess: s * s)
    }
}
