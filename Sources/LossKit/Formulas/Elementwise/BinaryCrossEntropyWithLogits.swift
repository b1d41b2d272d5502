/// Binary cross-entropy on logits, PyTorch's `binary_cross_entropy_with_logits`, with the
/// positive-class weight p (`pos_weight`, one value per column of the last axis) and Keras's
/// label smoothing ε, which PyTorch lacks (the target becomes y' = (1 - ε)·y + ε/2):
///
///     l = (1 - y')·x + (1 + (p - 1)·y')·softplus(-x)
///     ∂l/∂x = (1 - y') - (1 + (p - 1)·y')·σ(-x)
///     ∂²l/∂x² = (1 + (p - 1)·y')·σ(x)·σ(-x)
///
/// This is -[p·y'·log σ(x) + (1 - y')·log σ(-x)] rewritten so that no exponential can overflow:
/// softplus is evaluated as max(v, 0) + log1p(e^-|v|), exact for logits of any size.
/// Targets may be soft (any real y; [0, 1] is the meaningful range). Smoothing is applied
/// before `pos_weight`, so a smoothed negative also carries a little of the positive weight.
public struct BinaryCrossEntropyWithLogits: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "binary_cross_entropy_with_logits",
        parameters: [ParameterSpec("label_smoothing", default: 0, lower: 0, lowerInclusive: true,
                                   upper: 1, upperInclusive: true)],
        columnParameter: "pos_weight",
        formula: "(1 - y') x + (1 + (p - 1) y') softplus(-x), p = pos_weight, "
            + "y' = (1 - label_smoothing) y + label_smoothing / 2",
        derivatives: "grad (1 - y') - (1 + (p - 1) y') sigmoid(-x); hess (1 + (p - 1) y') sigmoid(x) sigmoid(-x)")

    public let labelSmoothing: Double

    public init(labelSmoothing: Double = 0) { self.labelSmoothing = labelSmoothing }
    public init(parameters: [Double]) { self.init(labelSmoothing: parameters[0]) }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ target: V, column: V) -> LossTerms<V> {
        let one = V(repeating: 1)
        let y = V.Scalar(1 - labelSmoothing) * target + V.Scalar(0.5 * labelSmoothing)
        let lw = one + (column - one) * y
        let sNeg = sigmoid(-x)
        let sPos = sigmoid(x)
        return LossTerms(
            loss: (one - y) * x + lw * softplus(-x),
            grad: (one - y) - lw * sNeg,
            hess: lw * sPos * sNeg)
    }
}
