/// Poisson negative log-likelihood, PyTorch's `poisson_nll_loss(log_input, full, eps)`, for
/// counts y ≥ 0 (checked by the C layer).
///
/// With `log_input` (the default) the input is the log-rate m, the GLM's log link:
///
///     l = e^m - y·m,                ∂l/∂x = e^m - y,           ∂²l/∂x² = e^m
///
/// which is scikit-learn's `HalfPoissonLoss` and has XGBoost's `count:poisson` and LightGBM's
/// `poisson` gradient; their Hessians are this one times e^0.7 (`max_delta_step`), which the
/// boosted-tree adapters add. Otherwise the input is the rate λ itself:
///
///     l = λ - y·log(λ + eps),       ∂l/∂x = 1 - y/(λ + eps),   ∂²l/∂x² = y/(λ + eps)²
///
/// and a negative λ + eps gives NaN, as in PyTorch. `full` adds the Stirling approximation of
/// log y!, y·log y - y + ½·log(2πy), where y > 1 only (PyTorch's rule); it does not depend on
/// the input, so it leaves the derivatives alone.
///
/// A zero count switches the y-terms off entirely (0·log 0 = 0): with eps = 0, λ = 0 and y = 0
/// the loss is 0 where PyTorch returns NaN. That is the only difference from PyTorch for
/// finite inputs. The mean Poisson deviance is 2·mean(l - l*), with l* = y - y·log y the loss
/// at the saturated model m = log y (log_input, not full).
public struct PoissonNLLLoss: ElementwiseLoss {
    public static let spec = LossSpec(
        name: "poisson_nll_loss", family: .distributions,
        parameters: [.flag("log_input", default: true), .flag("full", default: false),
                     ParameterSpec("eps", default: 1e-8, lower: 0, lowerInclusive: true)],
        targetDomain: .nonNegative,
        formula: "exp(x) - y x if log_input else x - y log(x + eps); "
            + "full adds y log y - y + 0.5 log(2 pi y) where y > 1",
        derivatives: "log_input: grad exp(x) - y, hess exp(x); "
            + "else: grad 1 - y / (x + eps), hess y / (x + eps)^2")

    public let logInput: Bool
    public let full: Bool
    public let eps: Double

    public init(logInput: Bool = true, full: Bool = false, eps: Double = 1e-8) {
        self.logInput = logInput
        self.full = full
        self.eps = eps
    }
    public init(parameters: [Double]) {
        self.init(logInput: parameters[0] != 0, full: parameters[1] != 0, eps: parameters[2])
    }
    public var parameters: [Double] { [logInput ? 1 : 0, full ? 1 : 0, eps] }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        var terms: LossTerms<V>
        if logInput {
            let rate = exp(x)
            terms = LossTerms(loss: rate - absorbingProduct(y, x), grad: rate - y, hess: rate)
        } else {
            let rate = x + V(repeating: V.Scalar(eps))
            let inverse = V(repeating: 1) / rate
            terms = LossTerms(
                loss: x - absorbingProduct(y, log(rate)),
                grad: 1 - absorbingProduct(y, inverse),
                hess: absorbingProduct(y, inverse * inverse))
        }
        if full {
            let twoPi = V(repeating: V.Scalar(6.283_185_307_179_586_476_9))
            let stirling = y * log(y) - y + 0.5 * log(twoPi * y)
            terms.loss += stirling.replacing(with: 0, where: y .<= V(repeating: 1))
        }
        return terms
    }
}
