/// PyTorch's `cosine_embedding_loss` of a pair of rows x1, x2 with label y ∈ {-1, +1}:
///
///     cos = x1·x2 / √((|x1|² + ε)(|x2|² + ε)),   ε = 1e-12 rounded to float32 (PyTorch's EPSILON)
///     l = 1 - cos            if y = +1
///     l = max(0, cos - m)    if y = -1
///     ∂cos/∂x1 = x2/√(ab) - cos·x1/a,   a = |x1|² + ε, b = |x2|² + ε (and symmetrically)
///
/// ε makes a zero vector give cos = 0 (loss 1 for y = +1) instead of NaN, and a finite
/// (large, ~1e6·x2) gradient, exactly as PyTorch. As in PyTorch's `clamp_min` the hinge
/// passes its gradient at cos - m = 0 (see `Math/Hinge.swift`): a zero x1 with y = -1 and
/// m = 0 has loss 0 and the gradient x2/√(ab) ≈ 1e6·x2/|x2|, which PyTorch 2.13 returns too.
/// NaN in either row gives NaN loss and gradients.
public struct CosineEmbeddingLoss: EmbeddingLoss {
    public static let spec = LossSpec(
        name: "cosine_embedding_loss", family: .metricLearning, kind: .embedding,
        parameters: [ParameterSpec("margin", default: 0)],
        targetDomain: .signs,
        formula: "1 - cos(x1, x2) if y = 1 else max(0, cos(x1, x2) - margin); cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))",
        derivatives: "grad x1: -/+ (x2 / sqrt(ab) - cos x1 / a), a = |x1|^2 + 1e-12, b = |x2|^2 + 1e-12, for y = -1 only where cos - margin >= 0 (PyTorch's clamp_min: active at 0), else 0; likewise x2; no Hessian")
    public static let arity = 2

    public var margin: Double

    public init(parameters: [Double], swap: Bool) { margin = parameters[0] }
    public init(margin: Double = 0) { self.margin = margin }

    @inlinable
    public func evaluate<T: LossScalar>(_ r: EmbeddingRows<T>, scale: Double) -> Double {
        let eps = Double(Float(1e-12))  // PyTorch's EPSILON is a float constant
        let p = dot(r.x0, r.x1, r.dim)
        let a = dot(r.x0, r.x0, r.dim) + eps
        let b = dot(r.x1, r.x1, r.dim) + eps
        let d = (a * b).squareRoot()
        let cos = p / d
        let loss: Double, coef: Double
        if r.label == 1 {
            loss = 1 - cos
            coef = -1
        } else if r.label.isNaN {
            loss = .nan
            coef = .nan
        } else {
            loss = hinge(cos - margin)
            coef = clampMinSlope(cos - margin)
        }
        let s = coef * scale
        r.write(r.grad0, s) { k, lanes in wide(r.x1, k, lanes) / d - cos * wide(r.x0, k, lanes) / a }
        r.write(r.grad1, s) { k, lanes in wide(r.x0, k, lanes) / d - cos * wide(r.x1, k, lanes) / b }
        return loss
    }
}
