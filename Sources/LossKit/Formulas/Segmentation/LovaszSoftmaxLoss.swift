/// Lovász-softmax loss (Berman, Rannen Triki and Blaschko, 2018): per sample and class, the
/// Lovász extension of the Jaccard loss evaluated at the errors e_i = |t_i - p_i|:
/// l = Σ_k e_(k) · g_k with the errors sorted in decreasing order and g the differences of
/// 1 - (T - Σ_{j<=k} t_(j)) / (T + Σ_{j<=k} (1 - t_(j))). Piecewise linear in the errors, so its
/// gradient is g at each error's rank times sign(p - t) and its Hessian through probabilities
/// is 0 (almost everywhere); through the softmax only the softmax's curvature remains.
public struct LovaszSoftmaxLoss: OverlapLoss {
    public static let spec = LossSpec(
        name: "lovasz_softmax_loss", family: .segmentation, kind: .overlap,
        parameters: [.flag("apply_softmax", default: true), .flag("ignore_background", default: false)],
        targetDomain: .unitInterval, classWeight: "class_weights",
        formula: "sum_k e_(k) g_k per sample and class, e = |t - p| sorted decreasingly, g_k = J_k - J_(k-1), "
            + "J_k = 1 - (T - cumsum t)_k / (T + cumsum (1 - t))_k (Lovasz extension of the Jaccard loss)",
        derivatives: "d/dp_i = g_rank(i) sign(p_i - t_i); Hessian 0 in p (piecewise linear), then the softmax "
            + "(sigmoid for C = 1) chain rule when apply_softmax")
    public static var sortsErrors: Bool { true }
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        applySoftmax = parameters[0] != 0
        ignoreBackground = parameters[1] != 0
    }
    public func terms(tp: Double, fp: Double, fn: Double) -> OverlapTerms {
        OverlapTerms(loss: 0, gradient: .zero, hessian: (.zero, .zero, .zero))
    }
}
