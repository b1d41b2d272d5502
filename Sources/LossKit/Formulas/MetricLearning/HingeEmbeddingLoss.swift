/// PyTorch's `hinge_embedding_loss` of a value x (typically a distance) with label y ∈ {-1, +1}:
///
///     l = x                 if y = +1,   ∂l/∂x = 1
///     l = max(0, m - x)     if y = -1,   ∂l/∂x = -1 where m - x >= 0, else 0
///
/// As PyTorch's `clamp_min`, the hinge passes its gradient at the kink m - x = 0 (see
/// `Math/Hinge.swift`); NaN in x gives NaN loss and gradient.
public struct HingeEmbeddingLoss: EmbeddingLoss {
    public static let spec = LossSpec(
        name: "hinge_embedding_loss", family: .metricLearning, kind: .embedding,
        parameters: [ParameterSpec("margin", default: 1)],
        targetDomain: .signs,
        formula: "x if y = 1 else max(0, margin - x)",
        derivatives: "grad 1 if y = 1; -1 where margin - x >= 0 if y = -1 (PyTorch's clamp_min: active at 0), else 0; no Hessian (0 a.e.)")
    public static let arity = 1
    public static let rowLength: Int? = 1

    public var margin: Double

    public init(parameters: [Double], swap: Bool) { margin = parameters[0] }
    public init(margin: Double = 1) { self.margin = margin }

    @inlinable
    public func evaluate<T: LossScalar>(_ r: EmbeddingRows<T>, scale: Double) -> Double {
        var loss = 0.0
        for k in 0..<r.dim {
            let x = Double(r.x0[k])
            let l: Double, g: Double
            if r.label == 1 {
                (l, g) = (x, 1)
            } else if r.label.isNaN {
                (l, g) = (.nan, .nan)
            } else {
                let u = margin - x
                (l, g) = (hinge(u), -clampMinSlope(u))
            }
            loss += l
            r.grad0?[k] = T(scale * g)
        }
        return loss
    }
}
