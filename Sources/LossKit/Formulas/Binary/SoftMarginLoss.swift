/// Soft-margin (logistic) loss with labels y ∈ {-1, +1}, PyTorch's `soft_margin_loss`:
///
///     l = log(1 + e^(-y·x)) = softplus(-y·x)
///     ∂l/∂x = -y·σ(-y·x),   ∂²l/∂x² = σ(y·x)·σ(-y·x)      (y² = 1)
///
/// It is binary cross-entropy with logits for the label (y + 1)/2, written on the margin.
/// softplus never overflows, so any finite logit gives a finite loss.
public struct SoftMarginLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "soft_margin_loss", family: .binary,
        targetDomain: .signs,
        formula: "softplus(-y x), y in {-1, +1}",
        derivatives: "grad -y sigmoid(-y x); hess sigmoid(y x) sigmoid(-y x)")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let z = y * x
        let sNeg = sigmoid(-z)
        return LossTerms(loss: softplus(-z), grad: -y * sNeg, hess: sigmoid(z) * sNeg)
    }
}
