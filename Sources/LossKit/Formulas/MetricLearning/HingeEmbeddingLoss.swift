/// PyTorch's `hinge_embedding_loss` of a value x (typically a distance) with label y ∈ {-1, +1}:
///
///     l = x                 if y = +1,   ∂l/∂x = 1
///     l = max(0, m - x)     if y = -1,   ∂l/∂x = -1 where m - x >= 0, else 0
///
/// As PyTorch's `clamp_min`, the hinge passes its gradient at the kink m - x = 0 (see
/// `Math/Hinge.swift`); NaN in x gives NaN loss and gradient.
public struct HingeEmbeddingLoss: ScoreLoss {
    public static let spec = LossSpec(
        name: "hinge_embedding_loss", family: .metricLearning, kind: .embedding,
        parameters: [ParameterSpec("margin", default: 1)],
        targetDomain: .signs,
        formula: "x if y = 1 else max(0, margin - x)",
        derivatives: "grad 1 if y = 1; -1 where margin - x >= 0 if y = -1 (PyTorch's clamp_min: active at 0), else 0; no Hessian (0 a.e.)")
    public static let arity = 1

    public var margin: Double

    public init(parameters: [Double], swap: Bool) { margin = parameters[0] }
    public init(margin: Double = 1) { self.margin = margin }

    @inlinable @inline(__always)
    public func evaluate(_ x: RowVector, _: RowVector, label y: RowVector)
        -> (loss: RowVector, grad0: RowVector, grad1: RowVector) {
        let u = margin - x
        let positive = y .== RowVector(repeating: 1)
        let loss = hinge(u).replacing(with: x, where: positive).replacing(with: .nan, where: y .!= y)
        let g = (-clampMinSlope(u)).replacing(with: 1, where: positive).replacing(with: .nan, where: y .!= y)
        return (loss, g, RowVector())
    }
}
