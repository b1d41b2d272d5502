/// The pairwise contrastive loss of Hadsell, Chopra and LeCun (2006) for a pair x1, x2 with
/// label y ∈ {0, 1} (1 = similar), without their factor 1/2:
///
///     d = ‖x1 - x2‖₂
///     l = d²                  if y = 1,   ∂l/∂x1 = 2 (x1 - x2)
///     l = max(0, m - d)²      if y = 0,   ∂l/∂x1 = -2 max(0, m - d) (x1 - x2) / d  (0 at d = 0)
///
/// and ∂l/∂x2 = -∂l/∂x1. The gradient is continuous at the kink d = m, where it is 0; NaN in
/// either row gives NaN loss and gradients (see `Math/Hinge.swift`). (PyTorch has no such function; pytorch-metric-learning's
/// `ContrastiveLoss` uses the same convention without the 1/2 but non-squared terms by default.)
public struct ContrastiveLoss: EmbeddingLoss {
    public static let spec = LossSpec(
        name: "contrastive_loss", family: .metricLearning, kind: .embedding,
        parameters: [ParameterSpec("margin", default: 1, lower: 0, lowerInclusive: true)],
        targetDomain: .zeroOne,
        formula: "d^2 if y = 1 (similar) else max(0, margin - d)^2, d = |x1 - x2|_2",
        derivatives: "grad x1 2 (x1 - x2) if y = 1 else -2 max(0, margin - d) (x1 - x2) / d (0 at d = 0 and at the kink d = margin); grad x2 = -grad x1; no Hessian")
    public static let arity = 2

    public var margin: Double

    public init(parameters: [Double], swap: Bool) { margin = parameters[0] }
    public init(margin: Double = 1) { self.margin = margin }

    @inlinable
    public func evaluate<T: LossScalar>(_ r: EmbeddingRows<T>, scale: Double) -> Double {
        let d2 = rowSum(r.dim) { k, lanes in
            let u = wide(r.x0, k, lanes) - wide(r.x1, k, lanes)
            return u * u
        }
        let loss: Double, coef: Double
        if r.label == 1 {
            (loss, coef) = (d2, 2)
        } else if r.label.isNaN {
            (loss, coef) = (.nan, .nan)
        } else {
            let d = d2.squareRoot()
            let h = hinge(margin - d)
            (loss, coef) = (h * h, d == 0 ? 0 : -2 * h / d)
        }
        let s = coef * scale
        r.write(r.grad0, s) { k, lanes in wide(r.x0, k, lanes) - wide(r.x1, k, lanes) }
        r.write(r.grad1, -s) { k, lanes in wide(r.x0, k, lanes) - wide(r.x1, k, lanes) }
        return loss
    }
}
