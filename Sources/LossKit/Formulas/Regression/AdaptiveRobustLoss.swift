/// Barron's general and adaptive robust loss ("A General and Adaptive Robust Loss Function",
/// CVPR 2019) of the residual r = x - y, with shape α and scale c > 0:
///
///     ρ(r, α, c) = |α - 2|/α · [((r/c)²/|α - 2| + 1)^(α/2) - 1]
///
/// One α spans the classic robust losses: α = 2 is L2 (½(r/c)²), 1 pseudo-Huber
/// (√((r/c)² + 1) - 1), 0 Cauchy (log(½(r/c)² + 1)), -2 Geman-McClure (2(r/c)²/((r/c)² + 4)),
/// -inf Welsch (1 - exp(-½(r/c)²)). Lower α discounts outliers more. Both α and c can be
/// learned: the loss also returns ∂ρ/∂α and ∂ρ/∂c (see ``ParameterDifferentiableLoss``).
///
/// With z = (r/c)², b = |α - 2|, s = sign(α - 2), t = α/2, L = log1p(z/b), v = t·L and
/// Q = (1 + z/b)^(t-1) = e^((t-1)L), the formula and its derivatives are evaluated as
///
///     ρ = (b/2)·L·expm1(v)/v                        (→ (b/2)·L at α = 0: the limit, exactly)
///     ∂ρ/∂x = (r/c²)·Q,    ∂²ρ/∂x² = (Q/c²)·(1 + (α - 1)·z/b)/(1 + z/b),    ∂ρ/∂c = -(z/c)·Q
///     ∂ρ/∂α = -(s/2)·e^v·G,   G = [φ(tL) - t²·φ(L)]/t²,   φ(u) = u - 1 + e^(-u)
///
/// so that no difference of nearly equal terms is formed except where the value itself is
/// that small: e^v·G is evaluated as L²·(k(v) - e^v·φ(L)/L²) with k(v) = e^v·φ(v)/v², each by
/// its Taylor series for small arguments; by the series G = (1 - t)·Σₙ₌₃ (-1)ⁿ⁺¹·(1 + t + … +
/// tⁿ⁻³)·Lⁿ/n! when both L and v are small (small residuals, where ∂ρ/∂α = O(z³)); and by an
/// exact rearrangement for |α - 2| < 0.1 (see ``nearL2(_:_:_:)``). This keeps α = 0 ± 1e-7
/// and α = 2 ± 1e-7 on their limits, in float32 too, without special cases. Exactly α = 2 and
/// α = -inf have their own closed forms (the general formula divides by b = 0 or has no
/// finite α). At α = 2 the α-derivative is +inf for r ≠ 0: it diverges like (z/4)·log(z/|α - 2|)
/// as α → 2 from either side, which is the true behaviour of ρ (and 0 at r = 0). At α = -inf
/// it is 0, the limit. Where ρ itself overflows (α > 2 and huge residuals) the α-derivative
/// may be NaN.
///
/// Minimising the mean of ρ over c alone drives c up (ρ falls as c grows), so a learned scale
/// needs the negative log-likelihood with Barron's partition function, which this is not.
public struct AdaptiveRobustLoss: ParameterDifferentiableLoss {
    public static let spec = LossSpec(
        name: "adaptive_robust_loss", family: .regression,
        parameters: [
            ParameterSpec("alpha", default: 1, lower: -.infinity, lowerInclusive: true),
            ParameterSpec("scale", default: 1, lower: 0),
        ],
        formula: "|a - 2|/a (((r/c)^2/|a - 2| + 1)^(a/2) - 1), r = x - y, a = alpha, c = scale; "
            + "limits at a = 2 (0.5 (r/c)^2), 0 (log(0.5 (r/c)^2 + 1)), -inf (1 - exp(-0.5 (r/c)^2))",
        derivatives: "grad (r/c^2) Q; hess (Q/c^2)(1 + (a - 1) z/b)/(1 + z/b); d/dscale -(z/c) Q; "
            + "d/dalpha -(s/2) e^v G (+inf at alpha = 2 for r != 0); z = (r/c)^2, b = |a - 2|, "
            + "s = sign(a - 2), L = log1p(z/b), v = a L/2, Q = exp((a/2 - 1) L)")

    public let alpha: Double
    public let scale: Double

    public init(alpha: Double = 1, scale: Double = 1) {
        self.alpha = alpha
        self.scale = scale
    }
    public init(parameters: [Double]) { self.init(alpha: parameters[0], scale: parameters[1]) }

    @inlinable @inline(__always)
    public func evaluateWithParameterDerivatives<V: LossVector>(
        _ x: V, _ y: V, column: V
    ) -> (LossTerms<V>, ParameterDerivatives<V>) {
        let inverseScale = V.Scalar(1 / scale)
        let u = (x - y) * inverseScale
        let z = u * u
        if alpha == 2 { return l2(u, z, inverseScale) }
        if alpha == -.infinity { return welsch(u, z, inverseScale) }
        return general(u, z, inverseScale)
    }

    /// α = 2: ρ = z/2. Its α-derivative is +inf wherever z > 0 (see the type's documentation).
    @inlinable @inline(__always)
    func l2<V: LossVector>(_ u: V, _ z: V, _ inverseScale: V.Scalar) -> (LossTerms<V>, ParameterDerivatives<V>) {
        (LossTerms(loss: 0.5 * z, grad: u * inverseScale, hess: V(repeating: inverseScale * inverseScale)),
         ParameterDerivatives(V.zero.replacing(with: .infinity, where: z .> V.zero)
                                  .replacing(with: z, where: z .!= z),
                              -z * inverseScale))
    }

    /// α = -inf: ρ = 1 - e^(-z/2) (Welsch); the α-derivative is 0.
    @inlinable @inline(__always)
    func welsch<V: LossVector>(_ u: V, _ z: V, _ inverseScale: V.Scalar) -> (LossTerms<V>, ParameterDerivatives<V>) {
        let e = exp(-0.5 * z)
        return (
            LossTerms(loss: -expm1(-0.5 * z), grad: u * inverseScale * e,
                      hess: inverseScale * inverseScale * e * (1 - z)),
            ParameterDerivatives(V.zero * z, -z * inverseScale * e))  // 0, NaN where z is NaN
    }

    /// Every other α, finite and ≠ 2.
    @inlinable @inline(__always)
    func general<V: LossVector>(_ u: V, _ z: V, _ inverseScale: V.Scalar) -> (LossTerms<V>, ParameterDerivatives<V>) {
        typealias S = V.Scalar
        let b = Swift.abs(alpha - 2)
        let s = S(alpha > 2 ? 1 : -1)
        let t = S(alpha / 2)
        let w = z * S(1 / b)
        let logBase = log1p(w)
        let v = t * logBase
        let ev = exp(v)
        let q = exp(S(alpha / 2 - 1) * logBase)  // t - 1 formed in Double: exact near α = 2
        // expm1(v)/v, which is 1 at v = 0 (α = 0: the Cauchy limit).
        let growth = (expm1(v) / v).replacing(with: 1, where: v .== V.zero)
        let loss = S(b / 2) * logBase * growth
        let c2 = inverseScale * inverseScale
        // 1 + s·z/(1 + w) = (1 + (α - 1)·w)/(1 + w), without cancellation for large w.
        let curvature = (1 + S(alpha - 1) * w) / (1 + w)
        let dAlpha = -0.5 * s * alphaFactor(logBase, v, ev, t)
        return (
            LossTerms(loss: loss, grad: u * inverseScale * q, hess: c2 * q * curvature),
            ParameterDerivatives(dAlpha, -z * inverseScale * q))
    }

    /// e^v·G, where -(s/2)·e^v·G is ∂ρ/∂α (see the type's documentation); finite wherever ρ is.
    @inlinable @inline(__always)
    func alphaFactor<V: LossVector>(_ logBase: V, _ v: V, _ ev: V, _ t: V.Scalar) -> V {
        // e^v·G = L²·(k(v) - e^v·φ(L)/L²) with k(v) = e^v·φ(v)/v² = (e^v·(v - 1) + 1)/v², which
        // stays finite where e^(-v) overflows (very negative α).
        let general = Swift.abs(alpha - 2) < 0.1
            ? nearL2(logBase, ev, t)
            : logBase * logBase * (Self.k(v, ev) - ev * Self.phiOverSquare(logBase))
        // Both L and v small (small residuals): the series, which has no cancellation.
        let quarter = V(repeating: 0.25)
        let small = (logBase .<= quarter) .& (abs(v) .<= quarter)
        return general.replacing(with: ev * smallResidualSeries(logBase, t), where: small)
    }

    /// e^v·G for |α - 2| < 0.1, where k(v) and e^v·φ(L)/L² grow like 1/|α - 2| and nearly
    /// cancel. Expanding φ gives the exact rearrangement
    ///     e^v·G = e^v·(1 - t)·(tL - 1 - t)/t² - expm1((t - 1)·L + 2·log t)/t²,
    /// whose first term carries the value and whose second is formed without cancellation. It
    /// keeps a float32 mean within 1e-6 of float64 next to α = 2, where the general form lost
    /// 1e-7/|α - 2| (8% at α = 2 - 1e-6).
    @inlinable @inline(__always)
    func nearL2<V: LossVector>(_ logBase: V, _ ev: V, _ t: V.Scalar) -> V {
        let half = alpha / 2
        let first = ev * V.Scalar((1 - half) / (half * half)) * (t * logBase - 1 - t)
        let second = expm1(V.Scalar(half - 1) * logBase + V.Scalar(2 * Double._log(half)))
        return first - second * V.Scalar(1 / (half * half))
    }

    /// φ(u)/u² = (u - 1 + e^(-u))/u², by its Taylor series Σⱼ (-u)ʲ/(j + 2)! for |u| <= 1/4.
    @inlinable @inline(__always)
    static func phiOverSquare<V: LossVector>(_ u: V) -> V {
        let direct = (expm1(-u) + u) / (u * u)
        return direct.replacing(with: taylor(u, phiOverSquareSeries), where: abs(u) .<= V(repeating: 0.25))
    }

    /// k(v) = (e^v·(v - 1) + 1)/v², by its Taylor series Σⱼ (j + 1)·vʲ/(j + 2)! for |v| <= 1/4.
    @inlinable @inline(__always)
    static func k<V: LossVector>(_ v: V, _ ev: V) -> V {
        let direct = (ev * (v - 1) + 1) / (v * v)
        return direct.replacing(with: taylor(v, kSeries), where: abs(v) .<= V(repeating: 0.25))
    }

    /// Taylor coefficients of φ(u)/u²: (-1)ʲ/(j + 2)!, j = 0...12 (the next term is below
    /// 1e-18 relative for |u| <= 1/4).
    @usableFromInline static let phiOverSquareSeries: [Double] = (0...12).map { j in
        (j % 2 == 0 ? 1 : -1) / factorial(j + 2)
    }

    /// Taylor coefficients of k(v): (j + 1)/(j + 2)!, j = 0...13.
    @usableFromInline static let kSeries: [Double] = (0...13).map { j in Double(j + 1) / factorial(j + 2) }

    @usableFromInline static func factorial(_ n: Int) -> Double { (1...n).reduce(1.0) { $0 * Double($1) } }

    /// Σⱼ cⱼ·uʲ by Horner's rule.
    @inlinable @inline(__always)
    static func taylor<V: LossVector>(_ u: V, _ coefficients: [Double]) -> V {
        var sum = V(repeating: V.Scalar(coefficients[coefficients.count - 1]))
        for j in stride(from: coefficients.count - 2, through: 0, by: -1) {
            sum = sum * u + V.Scalar(coefficients[j])
        }
        return sum
    }

    /// G = (1 - t)·Σₙ₌₃¹⁵ (-1)ⁿ⁺¹·(1 + t + … + tⁿ⁻³)·Lⁿ/n!, for |L|, |tL| <= 1/4 (error < 1e-17
    /// relative).
    @inlinable @inline(__always)
    func smallResidualSeries<V: LossVector>(_ logBase: V, _ t: V.Scalar) -> V {
        var power = logBase * logBase * logBase
        var partial = V.Scalar(1)
        var factorial = V.Scalar(6)
        var sum = power / factorial
        var sign = V.Scalar(1)
        for n in 4...15 {
            partial = 1 + t * partial
            power *= logBase
            factorial *= V.Scalar(n)
            sign = -sign
            sum += (sign * partial / factorial) * power
        }
        return (1 - t) * sum
    }
}
