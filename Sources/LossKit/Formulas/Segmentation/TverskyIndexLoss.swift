#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif


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
        // u <= 0 (a perfect match) is flat; NaN fails every comparison, so the test is written
        // to let it through to the loss and derivatives.
        guard !(u <= 0) else { return OverlapTerms(loss: 0, gradient: zero, hessian: (zero, zero, zero)) }
        let loss = pow(u, gamma)
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
