#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The loss of one (sample, class) pair of a segmentation, as a function of that pair's
/// overlap sums over the spatial axes: TP = Σ p·t, FP = Σ p·(1 - t), FN = Σ (1 - p)·t, and
/// its first and second derivatives with respect to (TP, FP, FN).
///
/// The sums are linear in each probability p_i, with direction v_i = (t_i, 1 - t_i, -t_i), so
/// the driver gets ∂l/∂p_i = v_i·∇l and the exact ∂²l/∂p_i² = v_iᵀ ∇²l v_i from these terms
/// (element i is in one class's sums only, so there are no cross-class second derivatives).
public struct OverlapTerms: Sendable {
    public var loss: Double
    /// ∂l/∂TP, ∂l/∂FP, ∂l/∂FN.
    public var gradient: SIMD3<Double>
    /// The symmetric Hessian with respect to (TP, FP, FN), by rows.
    public var hessian: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    @inlinable
    public init(loss: Double, gradient: SIMD3<Double>, hessian: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)) {
        self.loss = loss
        self.gradient = gradient
        self.hessian = hessian
    }

    /// v·∇l and vᵀ∇²l v for v = (t, 1 - t, -t): the derivatives with respect to one probability.
    @inlinable @inline(__always)
    public func along(target t: Double) -> (Double, Double) {
        let v = SIMD3<Double>(t, 1 - t, -t)
        let hv = hessian.0 * v.x + hessian.1 * v.y + hessian.2 * v.z
        return ((gradient * v).sum(), (hv * v).sum())
    }
}

/// A segmentation (overlap) loss written once, over one class's overlap sums (see
/// ``OverlapTerms``). ``OverlapProblem`` and its driver own everything else: the softmax or
/// sigmoid, the targets (class maps or probability maps), the sums in `Double` per sample and
/// class, class weights, the background class, the reductions over classes and samples, the
/// chain rule to the input and threads.
public protocol OverlapLoss: Sendable {
    static var spec: LossSpec { get }
    /// Whether the class weights are computed from the targets (generalised Dice:
    /// 1 / ((Σ_n T_nc)² + 1e-7), normalised to sum to C) instead of being passed in.
    static var targetFrequencyWeights: Bool { get }
    /// Whether the loss is the Lovász-softmax surrogate, which sorts each class's errors
    /// instead of summing them (``evaluateLovasz(_:_:)``); ``terms(tp:fp:fn:)`` is then unused.
    static var sortsErrors: Bool { get }

    /// Builds the loss from parameter values in ``spec`` order, already range-checked.
    init(parameters: [Double])

    /// Whether the input holds logits (softmax over the class axis, or a sigmoid for one class).
    var applySoftmax: Bool { get }
    /// Whether class 0 is left out of the mean over classes (when there are 2 classes or more).
    var ignoreBackground: Bool { get }

    /// One class's loss and its derivatives with respect to (TP, FP, FN).
    func terms(tp: Double, fp: Double, fn: Double) -> OverlapTerms

    static func evaluate(parameters: [Double], _ problem: OverlapProblem<Float>) throws(LossKitError) -> Double
    static func evaluate(parameters: [Double], _ problem: OverlapProblem<Double>) throws(LossKitError) -> Double
}

extension OverlapLoss {
    public static var targetFrequencyWeights: Bool { false }
    public static var sortsErrors: Bool { false }

    @inlinable
    public static func evaluate(parameters: [Double], _ problem: OverlapProblem<Float>) throws(LossKitError) -> Double {
        try LossKit.evaluate(Self(parameters: parameters), problem)
    }

    @inlinable
    public static func evaluate(parameters: [Double], _ problem: OverlapProblem<Double>) throws(LossKitError) -> Double {
        try LossKit.evaluate(Self(parameters: parameters), problem)
    }
}

/// The focal Tversky loss of one class, which every overlap loss here is a case of:
/// l = (1 - TI)^γ with the Tversky index TI = (TP + s) / (TP + α·FP + β·FN + s) (optax's
/// `dice_loss` form: α weighs false positives, β false negatives). Dice is α = β = 1/2, the
/// Jaccard (IoU) loss α = β = 1, and γ = 1 for all but the focal Tversky loss.
///
/// When the denominator is 0 (only with s = 0, for a class absent from both prediction and
/// target) the class counts as a perfect match: loss 0, derivatives 0. At a perfect match
/// (TI = 1) with γ < 2 the derivatives of u^γ are unbounded, and are taken as 0.
public struct TverskyIndexLoss: Sendable {
    public var alpha: Double, beta: Double, gamma: Double, smooth: Double

    @inlinable
    public init(alpha: Double, beta: Double, gamma: Double, smooth: Double) {
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.smooth = smooth
    }

    @inlinable
    public func terms(tp: Double, fp: Double, fn: Double) -> OverlapTerms {
        let zero = SIMD3<Double>.zero
        let n = tp + smooth
        let d = tp + alpha * fp + beta * fn + smooth
        guard d != 0 else { return OverlapTerms(loss: 0, gradient: zero, hessian: (zero, zero, zero)) }
        let ti = n / d
        let u = 1 - ti
        let gradD = SIMD3<Double>(1, alpha, beta)
        // ∇TI = (∇N - TI ∇D) / D;  ∇²TI = -(∇D ∇TIᵀ + ∇TI ∇Dᵀ) / D.
        let gradTI = (SIMD3<Double>(1, 0, 0) - ti * gradD) / d
        func hessTI(_ r: Int) -> SIMD3<Double> { -(gradD[r] * gradTI + gradTI[r] * gradD) / d }
        if gamma == 1 {
            return OverlapTerms(loss: u, gradient: -gradTI, hessian: (-hessTI(0), -hessTI(1), -hessTI(2)))
        }
        let loss = u > 0 ? pow(u, gamma) : 0
        guard u > 0 else { return OverlapTerms(loss: loss, gradient: zero, hessian: (zero, zero, zero)) }
        // l = u^γ: ∇l = -γ u^(γ-1) ∇TI;  ∇²l = γ(γ-1) u^(γ-2) ∇TI∇TIᵀ - γ u^(γ-1) ∇²TI.
        let d1 = gamma * pow(u, gamma - 1)
        let d2 = gamma * (gamma - 1) * pow(u, gamma - 2)
        func row(_ r: Int) -> SIMD3<Double> { d2 * gradTI[r] * gradTI - d1 * hessTI(r) }
        return OverlapTerms(loss: loss, gradient: -d1 * gradTI, hessian: (row(0), row(1), row(2)))
    }
}

/// Parameters every overlap loss ends with.
@usableFromInline
let overlapOptions: [ParameterSpec] = [
    ParameterSpec("smooth", default: 1, lower: 0, lowerInclusive: true),
    .flag("apply_softmax", default: true),
    .flag("ignore_background", default: false),
]

@usableFromInline
let overlapDerivatives = "d/dp_i = v_i . grad l, d2/dp_i2 = v_i' H_l v_i with v_i = (t_i, 1 - t_i, -t_i) "
    + "(exact diagonal), then the softmax (sigmoid for C = 1) chain rule when apply_softmax"

/// The common body of the five overlap losses: a ``TverskyIndexLoss`` and the options.
public protocol TverskyFamilyLoss: OverlapLoss {
    var core: TverskyIndexLoss { get }
}

extension TverskyFamilyLoss {
    @inlinable
    public func terms(tp: Double, fp: Double, fn: Double) -> OverlapTerms { core.terms(tp: tp, fp: fp, fn: fn) }
}

/// Soft Dice loss (optax `dice_loss` with α = β = 1/2): 1 - (TP + s) / ((ΣP + ΣT)/2 + s).
public struct DiceLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "dice_loss", kind: .overlap, parameters: overlapOptions, targetDomain: .unitInterval,
        classWeight: "class_weights",
        formula: "1 - (TP + smooth) / (TP + (FP + FN)/2 + smooth) per sample and class, TP = sum p t, "
            + "FP = sum p (1 - t), FN = sum (1 - p) t over the spatial axes",
        derivatives: overlapDerivatives)
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: 0.5, beta: 0.5, gamma: 1, smooth: parameters[0])
        applySoftmax = parameters[1] != 0
        ignoreBackground = parameters[2] != 0
    }
}

/// Tversky loss (optax `dice_loss(alpha, beta)`): 1 - (TP + s) / (TP + α FP + β FN + s).
public struct TverskyLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "tversky_loss", kind: .overlap,
        parameters: [ParameterSpec("alpha", default: 0.5, lower: 0, lowerInclusive: true),
                     ParameterSpec("beta", default: 0.5, lower: 0, lowerInclusive: true)] + overlapOptions,
        targetDomain: .unitInterval, classWeight: "class_weights",
        formula: "1 - (TP + smooth) / (TP + alpha FP + beta FN + smooth) per sample and class "
            + "(alpha weighs false positives, beta false negatives)",
        derivatives: overlapDerivatives)
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: parameters[0], beta: parameters[1], gamma: 1, smooth: parameters[2])
        applySoftmax = parameters[3] != 0
        ignoreBackground = parameters[4] != 0
    }
}

/// Focal Tversky loss (Abraham and Khan 2019): (1 - TI)^γ with TI the Tversky index.
public struct FocalTverskyLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "focal_tversky_loss", kind: .overlap,
        parameters: [ParameterSpec("alpha", default: 0.5, lower: 0, lowerInclusive: true),
                     ParameterSpec("beta", default: 0.5, lower: 0, lowerInclusive: true),
                     ParameterSpec("gamma", default: 0.75, lower: 0)] + overlapOptions,
        targetDomain: .unitInterval, classWeight: "class_weights",
        formula: "(1 - TI)^gamma, TI = (TP + smooth) / (TP + alpha FP + beta FN + smooth) per sample and class",
        derivatives: overlapDerivatives + "; 0 at TI = 1")
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: parameters[0], beta: parameters[1], gamma: parameters[2], smooth: parameters[3])
        applySoftmax = parameters[4] != 0
        ignoreBackground = parameters[5] != 0
    }
}

/// Generalised Dice loss as optax's `multiclass_generalized_dice_loss`: the Dice loss with
/// class weights w_c = 1 / ((Σ_n Σ_i t_nic)² + 1e-7) over the batch, normalised to sum to C.
public struct GeneralizedDiceLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "generalized_dice_loss", kind: .overlap, parameters: overlapOptions, targetDomain: .unitInterval,
        formula: "w_c (1 - (TP + smooth) / (TP + (FP + FN)/2 + smooth)), w_c = 1/((sum of t over the batch)^2 "
            + "+ 1e-7) normalised to sum to C",
        derivatives: overlapDerivatives + "; the weights depend on the targets only")
    public static var targetFrequencyWeights: Bool { true }
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: 0.5, beta: 0.5, gamma: 1, smooth: parameters[0])
        applySoftmax = parameters[1] != 0
        ignoreBackground = parameters[2] != 0
    }
}

/// Soft Jaccard (IoU) loss: 1 - (TP + s) / (TP + FP + FN + s), the Tversky loss with α = β = 1.
public struct JaccardLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "jaccard_loss", kind: .overlap, parameters: overlapOptions, targetDomain: .unitInterval,
        classWeight: "class_weights",
        formula: "1 - (TP + smooth) / (TP + FP + FN + smooth) per sample and class (soft IoU)",
        derivatives: overlapDerivatives)
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: 1, beta: 1, gamma: 1, smooth: parameters[0])
        applySoftmax = parameters[1] != 0
        ignoreBackground = parameters[2] != 0
    }
}

/// Lovász-softmax loss (Berman, Rannen Triki and Blaschko, 2018): per sample and class, the
/// Lovász extension of the Jaccard loss evaluated at the errors e_i = |t_i - p_i|:
/// l = Σ_k e_(k) · g_k with the errors sorted in decreasing order and g the differences of
/// 1 - (T - Σ_{j<=k} t_(j)) / (T + Σ_{j<=k} (1 - t_(j))). Piecewise linear in the errors, so its
/// gradient is g at each error's rank times sign(p - t) and its Hessian through probabilities
/// is 0 (almost everywhere); through the softmax only the softmax's curvature remains.
public struct LovaszSoftmaxLoss: OverlapLoss {
    public static let spec = LossSpec(
        name: "lovasz_softmax_loss", kind: .overlap,
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
