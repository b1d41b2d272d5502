/// PyTorch's `margin_ranking_loss` of two scores x1, x2 with label y ∈ {-1, +1} (x1 should rank
/// higher when y = 1):
///
///     l = max(0, -y·(x1 - x2) + m),   ∂l/∂x1 = -y, ∂l/∂x2 = y where -y·(x1 - x2) + m >= 0, else 0
///
/// (rows of one value). As PyTorch's `clamp_min`, the hinge passes its gradient at the kink
/// (see `Math/Hinge.swift`); NaN in a score gives NaN loss and gradients.
public struct MarginRankingLoss: ScoreLoss {
    public static let spec = LossSpec(
        name: "margin_ranking_loss", family: .ranking, kind: .embedding,
        parameters: [ParameterSpec("margin", default: 0)],
        targetDomain: .signs,
        formula: "max(0, -y (x1 - x2) + margin)",
        derivatives: "grad x1 -y, x2 y where -y (x1 - x2) + margin >= 0 (PyTorch's clamp_min: active at 0), else 0; no Hessian (0 a.e.)")
    public static let arity = 2

    public var margin: Double

    public init(parameters: [Double], swap: Bool) { margin = parameters[0] }
    public init(margin: Double = 0) { self.margin = margin }

    @inlinable @inline(__always)
    public func evaluate(_ x1: RowVector, _ x2: RowVector, label y: RowVector)
        -> (loss: RowVector, grad0: RowVector, grad1: RowVector) {
        let u = -y * (x1 - x2) + margin
        let g = -y * clampMinSlope(u)
        return (hinge(u), g, -g)
    }
}
