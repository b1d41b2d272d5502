#if LOSSKIT_AVX512
import CLossKitSupport
#endif

/// Elementary functions on 8 `Double` lanes, computed in vector registers: range reduction,
/// a polynomial and exponent arithmetic on the bit patterns, with no call per lane.
///
/// The polynomials are minimax fits made for LossKit by `scripts/fit-vector-math.py` (Remez
/// exchange in 60-digit arithmetic, then rounded to `Double`); the errors quoted are the largest
/// seen against libm's `long double` (`Float80`) functions by
/// `Tests/LossKitTests/VectorMathTests.swift` (2 million log-uniform and uniform random
/// samples and 50 000 values on each side of every branch boundary, release build), in ulps of
/// the correctly rounded result.
/// Rounding to an integer adds and subtracts 1.5·2⁵² (exact for |v| < 2⁵¹) instead of calling
/// `rounded()`, and selects use `replacing(with:where:)`, because on baseline x86-64 the
/// standard library's `rounded()`, `pointwiseMin` and `addingProduct` are calls per lane.
extension SIMD8: LossVector where Scalar == Double {
    /// |x|: the sign bit cleared.
    @inlinable @inline(__always)
    public func _abs() -> SIMD8<Double> { _magnitude }

    @inlinable @inline(__always)
    public static var _laneNumbers: SIMD8<Double> { SIMD8(0, 1, 2, 3, 4, 5, 6, 7) }

    /// ((lanes 0-3 + lanes 4-7) halved the same way twice): three vector additions.
    @inlinable @inline(__always)
    public func _sumInDouble() -> Double {
        let quarter = lowHalf + highHalf
        let pair = quarter.lowHalf + quarter.highHalf
        return pair[0] + pair[1]
    }

    /// e^x, within 1 ulp (measured: 0.84 ulp).
    ///
    /// x = n·ln 2 + r with n = round(x/ln 2) and |r| ≤ ln 2/2. With ln 2 = L + l, L of 40
    /// bits, x - n·L is exact; r = (x - n·L) - n·l rounded, and its rounding error c is kept.
    /// e^(r + c) ≈ 1 + (r + (r²·E(r) + c)) with E a degree-10 minimax polynomial on
    /// |r| ≤ 0.35; then ``_timesTwoToThe(_:_:)`` multiplies by 2ⁿ, rounding once also for
    /// results in the subnormal range. x is clamped to [-746, 710], which
    /// gives exactly 0 below -745.13 (half the smallest subnormal) and +inf above 709.78; NaN
    /// propagates.
    @_transparent
    public func _exp() -> SIMD8<Double> {
        let x = replacing(with: 710, where: self .> 710).replacing(with: -746, where: self .< -746)
        let (n, scale, head, tail) = x._reduceLog2Split()
        let r = head - tail
        let c = (head - r) - tail
        let p = 1 + (r + (r * r)._mulAdd(Self._expPolynomial(r), c))
        return p._timesTwoToThe(n, scale)
    }

    /// e^x - 1, within 1 ulp (measured: 0.94 ulp), accurate for small |x| where e^x - 1 would
    /// cancel.
    ///
    /// The reduction of ``_exp()`` with its rounding error c kept (r + c = x - n·ln 2 to about
    /// 2⁻¹⁰⁰), e^r - 1 = r + r²·E(r) with the same polynomial, and
    /// e^x - 1 = 2·[(2ⁿ⁻¹ - ½) + 2ⁿ⁻¹·(r + r²·E(r) + c·(1 + r))], where the sums are made
    /// error-free (Fast2Sum) and the error terms added last, so only the final addition rounds
    /// at the scale of the result; scaling by 2 is exact. |x| < 2⁻⁵⁴ returns
    /// x (keeps -0 and subnormals); x is clamped to [-40, 710] (giving -1 and +inf).
    @_transparent
    public func _expm1() -> SIMD8<Double> {
        let x = replacing(with: 710, where: self .> 710).replacing(with: -40, where: self .< -40)
        let (n, _, head, tail) = x._reduceLog2Split()
        let r = head - tail
        let c = (head - r) - tail
        let e = (r * r)._mulAdd(Self._expPolynomial(r), c._mulAdd(r, c))
        // s + sErr = r + e exactly (Fast2Sum: |e| < |r|).
        let s = r + e
        let sErr = e - (s - r)
        // 2ⁿ·(1 + r + e) - 1 = 2·[a + b + low]: a + b summed exactly by Fast2Sum, since either
        // a = 0 or |a| ≥ |b|.
        let half = Self._twoToThe(n &- 1)
        let shifted = n .> SIMD8<Int64>(repeating: 53)  // 2ⁿ⁻¹ - ½ would round: carry -½ in low
        let a = (half - 0.5).replacing(with: half, where: shifted)
        let b = half * s
        let sum = a + b
        let low = half._mulAdd(sErr, b - (sum - a))
        let y = 2 * (sum + low.replacing(with: low - 0.5, where: shifted))
        return y.replacing(with: self, where: _magnitude .< 0x1p-54)
    }

    /// The natural logarithm, within 1 ulp (measured: 0.86 ulp).
    ///
    /// x = 2ᵏ·(1 + f) with 1 + f in [√½, √2) read from the bit pattern (subnormals are first
    /// scaled by 2⁵⁴); log(1 + f) = 2s + s·R(s²) with s = f/(2 + f), |s| ≤ 0.1716, R a
    /// degree-7 minimax polynomial without constant term, arranged as f - (f²/2 - s·(f²/2 + R))
    /// so that f enters exactly; then + k·ln 2 in a head and a tail. log(±0) = -inf,
    /// log(x < 0) = NaN, log(+inf) = +inf, NaN propagates.
    @_transparent
    public func _log() -> SIMD8<Double> {
        let subnormal = self .< 0x1p-1022
        let (k, f) = replacing(with: self * 0x1p54, where: subnormal)._reduceLogArgument()
        return Self._logCombine(k.replacing(with: k - 54, where: subnormal), f, Self.zero)
            .replacing(with: -.infinity, where: self .== 0)
            .replacing(with: .nan, where: self .< 0)
            .replacing(with: self, where: .!(self .< .infinity))
    }

    /// log(1 + x), within 1 ulp (measured: 0.86 ulp), accurate for small |x|.
    ///
    /// u = 1 + x rounded and its rounding error c = x - (u - 1), exact for x < 2⁵³ (u - 1 and
    /// x - (u - 1) are exact by Sterbenz's lemma), while beyond, c/u is below the result's
    /// rounding; then the method of ``_log()`` on u, with c/u added to the small terms
    /// (log(u + c) ≈ log u + c/u).
    /// |x| < 2⁻⁵⁴ returns x (keeps -0 and subnormals); log1p(-1) = -inf, log1p(x < -1) = NaN,
    /// log1p(+inf) = +inf, NaN propagates.
    @_transparent
    public func _log1p() -> SIMD8<Double> {
        let u = 1 + self
        let c = self - (u - 1)
        let (k, f) = u._reduceLogArgument()
        return Self._logCombine(k, f, c / u)
            .replacing(with: self, where: _magnitude .< 0x1p-54)
            .replacing(with: -.infinity, where: self .== -1)
            .replacing(with: .nan, where: self .< -1)
            .replacing(with: self, where: .!(self .< .infinity))
    }

    /// The hyperbolic tangent, within 1.5 ulp (measured: 1.39 ulp).
    ///
    /// For |x| ≤ 0.55, tanh x = x + x³·T(x²) with T a degree-10 minimax polynomial; above,
    /// tanh|x| = 1 - 2/(e^(2|x|) + 1) with ``_exp()``, which reaches exactly 1 (also when
    /// e^(2|x|) overflows). The sign of x is copied back, so tanh is exactly odd,
    /// tanh(±0) = ±0, tanh(±inf) = ±1, and NaN propagates.
    @_transparent
    public func _tanh() -> Self {
        let a = _magnitude
        let z = a * a
        let small = a._mulAdd(z * Self._tanhPolynomial(z), a)
        let large = 1 - 2 / ((2 * a)._exp() + 1)
        let t = large.replacing(with: small, where: a .<= 0.55)
        return Self(_bitPattern: t._bitPattern | (_bitPattern & Int64.min))
    }
}

extension SIMD8 where Scalar == Double {
    /// self·b + c, rounded once where the build has fused multiply-add: setup.py defines
    /// LOSSKIT_FMA for its x86-64-v3 and x86-64-v4 builds, whose CPUs have it. The portable
    /// build multiplies and adds, because on baseline x86-64 `addingProduct` is a libm call
    /// per lane. Both are within the documented error bounds (the tests run on both builds).
    @inlinable @inline(__always)
    func _mulAdd(_ b: Self, _ c: Self) -> Self {
        #if LOSSKIT_FMA
        return c.addingProduct(self, b)
        #else
        return self * b + c
        #endif
    }

    /// self·b + c for a constant c (a polynomial's coefficient), as ``_mulAdd(_:_:)-(Self,Self)``.
    @inlinable @inline(__always)
    func _mulAdd(_ b: Self, _ c: Double) -> Self { _mulAdd(b, Self(repeating: c)) }

    @inlinable @inline(__always)
    var _bitPattern: SIMD8<Int64> { unsafeBitCast(self, to: SIMD8<Int64>.self) }

    @inlinable @inline(__always)
    init(_bitPattern bits: SIMD8<Int64>) { self = unsafeBitCast(bits, to: Self.self) }

    /// |x| by clearing the sign bit.
    @inlinable @inline(__always)
    var _magnitude: Self { Self(_bitPattern: _bitPattern & Int64.max) }

    /// 2ⁿ for integer n in [-1022, 1023], built in the exponent field.
    @inlinable @inline(__always)
    static func _twoToThe(_ n: SIMD8<Int64>) -> Self { Self(_bitPattern: (n &+ 1023) &<< 52) }

    /// self·2ⁿ rounded once, for n = `integer` (as the exponent field adds it) = `float` (the
    /// same value as a Double), which may take self to the subnormal range or beyond: with
    /// AVX-512 one vscalef, otherwise two exact factors 2^⌊n/2⌋·2^⌈n/2⌉ of which only the
    /// last product rounds.
    @inlinable @inline(__always)
    func _timesTwoToThe(_ integer: SIMD8<Int64>, _ float: Self) -> Self {
        #if LOSSKIT_AVX512
        return lk_scalef_f64x8(self, float)
        #else
        let half = integer &>> 1
        return self * Self._twoToThe(half) * Self._twoToThe(integer &- half)
        #endif
    }

    /// ln 2 = head + tail: head has 40 significant bits, so n·head is exact for |n| < 2¹³.
    @inlinable @inline(__always) static var _ln2Head: Double { 0.6931471805601177 }
    @inlinable @inline(__always) static var _ln2Tail: Double { -1.7239444525614835e-13 }

    /// n = round(x/ln 2) and the head and tail of r = x - n·ln 2 = head - tail, with head
    /// exact; for |x| ≤ 746, |n| ≤ 1077.
    @inlinable @inline(__always)
    func _reduceLog2Split() -> (n: SIMD8<Int64>, scale: Self, head: Self, tail: Self) {
        let shifted = _mulAdd(Self(repeating: 1.4426950408889634), 0x1.8p52)
        let n = shifted - 0x1.8p52
        return (shifted._bitPattern &- 0x4338_0000_0000_0000, n, self - n * Self._ln2Head, n * Self._ln2Tail)
    }

    /// E(r) ≈ (e^r - 1 - r)/r² on |r| ≤ 0.35: degree-10 minimax fit (absolute error 1.5e-18,
    /// 0.004 ulp of expm1(r) after rounding the coefficients to `Double`).
    @inlinable @inline(__always)
    static func _expPolynomial(_ r: Self) -> Self {
        var p = Self(repeating: 2.0922472523437146e-09)
        p = p._mulAdd(r, 2.5106263218165364e-08)
        p = p._mulAdd(r, 2.7557250274912075e-07)
        p = p._mulAdd(r, 2.7557252861528587e-06)
        p = p._mulAdd(r, 2.480158735009596e-05)
        p = p._mulAdd(r, 0.00019841269876842046)
        p = p._mulAdd(r, 0.0013888888888873223)
        p = p._mulAdd(r, 0.008333333333325551)
        p = p._mulAdd(r, 0.041666666666666685)
        p = p._mulAdd(r, 0.1666666666666667)
        p = p._mulAdd(r, 0.5)
        return p
    }

    /// T(z) ≈ (tanh(√z)/√z - 1)/z on z ≤ 0.55²: degree-10 minimax fit (relative error of
    /// tanh 5.0e-18 after rounding the coefficients).
    @inlinable @inline(__always)
    static func _tanhPolynomial(_ z: Self) -> Self {
        var p = Self(repeating: -2.0637231550820438e-05)
        p = p._mulAdd(z, 8.516530459627662e-05)
        p = p._mulAdd(z, -0.00023466830229866394)
        p = p._mulAdd(z, 0.0005889480067517564)
        p = p._mulAdd(z, -0.0014556644037391475)
        p = p._mulAdd(z, 0.0035921107216480294)
        p = p._mulAdd(z, -0.00886323442564155)
        p = p._mulAdd(z, 0.021869488494964073)
        p = p._mulAdd(z, -0.05396825396746473)
        p = p._mulAdd(z, 0.13333333333332742)
        p = p._mulAdd(z, -0.3333333333333333)
        return p
    }

    /// For positive normal x: k and f with x = 2ᵏ·(1 + f), 1 + f in [√½, √2). The offset by
    /// the bit pattern of √½ moves the mantissa boundary there; k comes out as a `Double` by
    /// adding it to the bit pattern of 1.5·2⁵².
    @inlinable @inline(__always)
    func _reduceLogArgument() -> (k: Self, f: Self) {
        let shifted = _bitPattern &- 0x3fe6_a09e_667f_3bcd
        let m = Self(_bitPattern: (shifted & 0x000f_ffff_ffff_ffff) &+ 0x3fe6_a09e_667f_3bcd)
        return (Self(_bitPattern: (shifted &>> 52) &+ 0x4338_0000_0000_0000) - 0x1.8p52, m - 1)
    }

    /// k·ln 2 + log(1 + f) + c for |f| ≤ 0.415 and a small correction c, in fdlibm's order:
    /// k·head - ((f²/2 - (s·(f²/2 + R) + (k·tail + c))) - f). R(z) ≈ 2·atanh(√z)/√z - 2 on
    /// z ≤ 0.0295: degree-7 minimax fit without constant term (relative error of log(1 + f)
    /// 1.8e-18 after rounding the coefficients to `Double`).
    @inlinable @inline(__always)
    static func _logCombine(_ k: Self, _ f: Self, _ c: Self) -> Self {
        let s = f / (2 + f)
        let z = s * s
        var q = Self(repeating: 0.1479594956775059)
        q = q._mulAdd(z, 0.15314050566588835)
        q = q._mulAdd(z, 0.1818356432549848)
        q = q._mulAdd(z, 0.22222198573197754)
        q = q._mulAdd(z, 0.2857142874238748)
        q = q._mulAdd(z, 0.3999999999941468)
        q = q._mulAdd(z, 0.6666666666666734)
        let r = z * q
        let halfSquare = 0.5 * f * f
        return k * _ln2Head - ((halfSquare - s._mulAdd(halfSquare + r, k._mulAdd(Self(repeating: _ln2Tail), c))) - f)
    }
}
