/// Elementary functions on ``LossVector``s, the vocabulary loss formulas are written in.
///
/// The transcendental functions are computed in vector registers, without a call per lane, by
/// each vector type's ``LossVector`` requirements (`SIMD16+FloatMath.swift`,
/// `SIMD8+DoubleMath.swift`, whose doc comments give the method and the measured error).
/// `docs/vector-math.md` tabulates their accuracy and speed. Comparisons here compare vector
/// with vector: see ``LossVector`` for why a scalar operand would be slow.
///
/// Everything here, and the vector types' implementations, is `@_transparent`: in large fused
/// loss bodies the optimiser left `@inline(__always)` functions as calls per vector (float64
/// BCE called log1p, soft margin called softplus and sigmoid), at up to twice the cost.

/// e^v, lane by lane; within 1 ulp, exact 0 and +inf past the range of the type.
@_transparent
public func exp<V: LossVector>(_ v: V) -> V { v._exp() }

/// e^v - 1, lane by lane; within 1 ulp, also for small v where e^v - 1 would cancel.
@_transparent
public func expm1<V: LossVector>(_ v: V) -> V { v._expm1() }

/// log(v), lane by lane; within 1 ulp; -inf at ±0, NaN below 0, exact on subnormals.
@_transparent
public func log<V: LossVector>(_ v: V) -> V { v._log() }

/// log(1 + v), lane by lane; within 1 ulp, also for small v; -inf at -1, NaN below.
@_transparent
public func log1p<V: LossVector>(_ v: V) -> V { v._log1p() }

/// √v, lane by lane (the hardware square root).
@_transparent
public func sqrt<V: LossVector>(_ v: V) -> V { v.squareRoot() }

/// y·v where y is a target that switches a term off: 0 wherever y = 0, even where v is
/// infinite or NaN (the convention 0·log 0 = 0 of scipy's `xlogy`). NaN in y stays NaN.
@_transparent
public func absorbingProduct<V: LossVector>(_ y: V, _ v: V) -> V {
    (y * v).replacing(with: 0, where: y .== V.zero)
}

/// tanh(v), lane by lane; within 1.5 ulp, exactly odd, ±1 for large |v|.
@_transparent
public func tanh<V: LossVector>(_ v: V) -> V { v._tanh() }

/// |v|, lane by lane: the sign bit cleared, so |-0| = +0, NaN stays NaN, and the compiler
/// sees that abs(-v) = abs(v) (and can share e^-|v| between σ(v), σ(-v) and softplus(-v)).
@_transparent
public func abs<V: LossVector>(_ v: V) -> V { v._abs() }

/// The sign of v: -1, 0 or +1 (0 for ±0; NaN stays NaN).
@_transparent
public func sign<V: LossVector>(_ v: V) -> V {
    let one = V(repeating: 1)
    return V.zero.replacing(with: one, where: v .> V.zero).replacing(with: -one, where: v .< V.zero)
        .replacing(with: v, where: v .!= v)
}

/// The lane-wise minimum, NaN-propagating in `a`.
@_transparent
public func minimum<V: LossVector>(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }

/// The lane-wise maximum, NaN-propagating in `a`.
@_transparent
public func maximum<V: LossVector>(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .> a) }

/// softplus(v) = log(1 + e^v), computed as max(v, 0) + log1p(e^-|v|) so it neither overflows
/// for large v nor loses the tiny values for very negative v; within 2 ulp (measured 1.58).
@_transparent
public func softplus<V: LossVector>(_ v: V) -> V {
    maximum(v, V.zero) + log1p(exp(-abs(v)))
}

/// log σ(v) = -softplus(-v) = min(v, 0) - log1p(e^-|v|): finite for every finite v, ≈ v for
/// very negative v and ≈ -e^-v for large v; within 2 ulp (measured 1.59).
@_transparent
public func logSigmoid<V: LossVector>(_ v: V) -> V { -softplus(-v) }

/// The logistic function σ(v) = 1 / (1 + e^-v), as e/(1 + e) for v < 0 and 1/(1 + e) for
/// v ≥ 0 with e = e^-|v| ≤ 1: nothing overflows, so σ keeps its tiny values down to the
/// smallest subnormal (σ(-100) ≈ 3.7e-44 in Float) instead of flushing them to 0. Within
/// 2.5 ulp (measured 2.40 for Float, 2.05 for Double: e^-|v| carries its own rounding).
@_transparent
public func sigmoid<V: LossVector>(_ v: V) -> V {
    let e = exp(-abs(v))
    return V(repeating: 1).replacing(with: e, where: v .< V.zero) / (1 + e)
}

/// log(e^a + e^b), computed as max(a, b) + log1p(e^-|a - b|) so it never overflows; exact when
/// one side is -inf (then it is the other side).
@_transparent
public func logAddExp<V: LossVector>(_ a: V, _ b: V) -> V {
    maximum(a, b) + log1p(exp(-abs(a - b)))
}

/// log(e^a + e^b + e^c), lane by lane, as m + log(e^(a-m) + e^(b-m) + e^(c-m)) with m the
/// largest of the three: one log and three exps, where two ``logAddExp(_:_:)`` need two of each.
/// -inf when all three are -inf (m is then replaced by 0, so the exps give 0 and log 0 = -inf,
/// never -inf - -inf); +inf when one is +inf, NaN when one is NaN (either, when both occur).
@_transparent
public func logAddExp<V: LossVector>(_ a: V, _ b: V, _ c: V) -> V {
    let m = maximum(maximum(a, b), c)
    let infinity = V(repeating: .infinity)
    let shift = m.replacing(with: V.zero, where: m .== -infinity)
    return (shift + log(exp(a - shift) + exp(b - shift) + exp(c - shift))).replacing(with: m, where: m .== infinity)
}

/// The step function of a margin: 1 where v > 0, 0 where v <= 0, NaN where v is NaN. It is the
/// derivative of max(v, 0) with the value 0 chosen at the kink v = 0.
@_transparent
public func positiveStep<V: LossVector>(_ v: V) -> V { maximum(sign(v), V.zero) }
