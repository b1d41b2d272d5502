/// Elementary functions on ``LossVector``s, the vocabulary loss formulas are written in.
///
/// The transcendental functions apply the platform libm lane by lane, so they are exactly as
/// accurate as libm; a formula calls them through these names only, so a faster vector
/// implementation replaces them here without touching any loss.

@inlinable @inline(__always)
func lanewise<V: LossVector>(_ v: V, _ f: (V.Scalar) -> V.Scalar) -> V {
    var r = V()
    for i in v.indices { r[i] = f(v[i]) }
    return r
}

/// e^v, lane by lane.
@inlinable @inline(__always)
public func exp<V: LossVector>(_ v: V) -> V { lanewise(v, V.Scalar._exp) }

/// log(v), lane by lane.
@inlinable @inline(__always)
public func log<V: LossVector>(_ v: V) -> V { lanewise(v, V.Scalar._log) }

/// log(1 + v), lane by lane; accurate for small v.
@inlinable @inline(__always)
public func log1p<V: LossVector>(_ v: V) -> V { lanewise(v, V.Scalar._log1p) }

/// e^v - 1, lane by lane; accurate for small v.
@inlinable @inline(__always)
public func expm1<V: LossVector>(_ v: V) -> V { lanewise(v, V.Scalar._expm1) }

/// √v, lane by lane (the hardware square root).
@inlinable @inline(__always)
public func sqrt<V: LossVector>(_ v: V) -> V { v.squareRoot() }

/// y·v where y is a target that switches a term off: 0 wherever y = 0, even where v is
/// infinite or NaN (the convention 0·log 0 = 0 of scipy's `xlogy`). NaN in y stays NaN.
@inlinable @inline(__always)
public func absorbingProduct<V: LossVector>(_ y: V, _ v: V) -> V {
    (y * v).replacing(with: 0, where: y .== 0)
}

/// |v|, lane by lane.
@inlinable @inline(__always)
public func abs<V: LossVector>(_ v: V) -> V { v.replacing(with: -v, where: v .< 0) }

/// The sign of v: -1, 0 or +1 (0 for ±0; NaN stays NaN).
@inlinable @inline(__always)
public func sign<V: LossVector>(_ v: V) -> V {
    let one = V(repeating: 1)
    return V.zero.replacing(with: one, where: v .> 0).replacing(with: -one, where: v .< 0)
        .replacing(with: v, where: v .!= v)
}

/// The lane-wise minimum, NaN-propagating in `a`.
@inlinable @inline(__always)
public func minimum<V: LossVector>(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }

/// The lane-wise maximum, NaN-propagating in `a`.
@inlinable @inline(__always)
public func maximum<V: LossVector>(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .> a) }

/// softplus(v) = log(1 + e^v), computed as max(v, 0) + log1p(e^-|v|) so it neither overflows
/// for large v nor loses the tiny values for very negative v.
@inlinable @inline(__always)
public func softplus<V: LossVector>(_ v: V) -> V {
    maximum(v, V.zero) + log1p(exp(-abs(v)))
}

/// The logistic function σ(v) = 1 / (1 + e^-v). Exact limits: 0 below about -88 (Float) or
/// -709 (Double) where e^-v overflows to +inf, 1 above.
@inlinable @inline(__always)
public func sigmoid<V: LossVector>(_ v: V) -> V {
    V(repeating: 1) / (V(repeating: 1) + exp(-v))
}


/// log(e^a + e^b), computed as max(a, b) + log1p(e^-|a - b|) so it never overflows; exact when
/// one side is -inf (then it is the other side).
@inlinable @inline(__always)
public func logAddExp<V: LossVector>(_ a: V, _ b: V) -> V {
    maximum(a, b) + log1p(exp(-abs(a - b)))
}

/// The step function of a margin: 1 where v > 0, 0 where v <= 0, NaN where v is NaN. It is the
/// derivative of max(v, 0) with the value 0 chosen at the kink v = 0.
@inlinable @inline(__always)
public func positiveStep<V: LossVector>(_ v: V) -> V { maximum(sign(v), V.zero) }
