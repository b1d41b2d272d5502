/// Binary cross-entropy on logits, PyTorch's `binary_cross_entropy_with_logits`, with the
/// positive-class weight p (`pos_weight`, one value per column of the last axis):
///
///     l = (1 - y)·x + (1 + (p - 1)·y)·softplus(-x)
///     ∂l/∂x = (1 - y) - (1 + (p - 1)·y)·σ(-x)
///     ∂²l/∂x² = (1 + (p - 1)·y)·σ(x)·σ(-x)
///
/// This is -[p·y·log σ(x) + (1 - y)·log σ(-x)] rewritten so that no exponential can overflow:
/// softplus is evaluated as max(v, 0) + log1p(e^-|v|), exact for logits of any size.
/// Targets may be soft (any real y; [0, 1] is the meaningful range).
public struct BinaryCrossEntropyWithLogits: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "binary_cross_entropy_with_logits",
        columnParameter: "pos_weight",
        formula: "(1 - y) x + (1 + (p - 1) y) softplus(-x), p = pos_weight",
        derivatives: "grad (1 - y) - (1 + (p - 1) y) sigmoid(-x); hess (1 + (p - 1) y) sigmoid(x) sigmoid(-x)")

    public init() {}
    public init(parameters: [Double]) {}

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        let one = V(repeating: 1)
        let lw = one + (column - one) * y
        let sNeg = sigmoid(-x)
        let sPos = sigmoid(x)
        return LossTerms(
            loss: (one - y) * x + lw * softplus(-x),
            grad: (one - y) - lw * sNeg,
            hess: lw * sPos * sNeg)
    }
}
