/// Binary cross-entropy on logits, PyTorch's `binary_cross_entropy_with_logits`, with the
/// positive-class weight p (`pos_weight`, one value per column of the last axis) and Keras's
/// label smoothing ε, which PyTorch lacks (the target becomes y' = (1 - ε)·y + ε/2):
///
///     l = -[p·y'·log σ(x) + (1 - y')·log σ(-x)] = p·y'·softplus(-x) + (1 - y')·softplus(x)
///     ∂l/∂x = (1 - y')·σ(x) - p·y'·σ(-x)
///     ∂²l/∂x² = (1 + (p - 1)·y')·σ(x)·σ(-x)
///
/// Both terms are sums of non-negative parts, so no exponential overflows (softplus is
/// max(v, 0) + log1p(e^-|v|)) and nothing cancels: PyTorch's equivalent (1 - y')·x +
/// (1 + (p - 1)·y')·softplus(-x) loses the small losses of confident correct predictions
/// (x = -30, y = 0 gives 9.2e-14 instead of 9.4e-14), and (1 - y') - (...)·σ(-x) their gradients.
/// Targets may be soft (any real y; [0, 1] is the meaningful range). Smoothing is applied
/// before `pos_weight`, so a smoothed negative also carries a little of the positive weight.
public struct BinaryCrossEntropyWithLogits: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "binary_cross_entropy_with_logits", family: .binary,
        parameters: [ParameterSpec("label_smoothing", default: 0, lower: 0, lowerInclusive: true,
                                   upper: 1, upperInclusive: true)],
        columnParameter: "pos_weight",
        formula: "p y' softplus(-x) + (1 - y') softplus(x), p = pos_weight, "
            + "y' = (1 - label_smoothing) y + label_smoothing / 2",
        derivatives: "grad (1 - y') sigmoid(x) - p y' sigmoid(-x); hess (1 + (p - 1) y') sigmoid(x) sigmoid(-x)")

    public let labelSmoothing: Double

    public init(labelSmoothing: Double = 0) { self.labelSmoothing = labelSmoothing }
    public init(parameters: [Double]) { self.init(labelSmoothing: parameters[0]) }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ target: V, column: V) -> LossTerms<V> {
        let one = V(repeating: 1)
        let y = V.Scalar(1 - labelSmoothing) * target + V.Scalar(0.5 * labelSmoothing)
        let positive = column * y
        let negative = one - y
        // One exponential, one log1p and one division serve both signs: with e = e^-|x|,
        // softplus(±x) = max(±x, 0) + log1p(e), and σ(±x) is 1/(1 + e) or e/(1 + e).
        let e = exp(-abs(x))
        let logTerm = log1p(e)
        let small = e / (one + e)
        let large = one - small
        let nonNegative = x .>= V.zero
        let sPos = small.replacing(with: large, where: nonNegative)
        let sNeg = large.replacing(with: small, where: nonNegative)
        return LossTerms(
            loss: positive * (maximum(-x, V.zero) + logTerm) + negative * (maximum(x, V.zero) + logTerm),
            grad: negative * sPos - positive * sNeg,
            hess: (positive + negative) * sPos * sNeg)
    }
}
