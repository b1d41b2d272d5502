/// The hinge max(0, u) and its slope for the scalar formulas (embedding, ranking and row-wise
/// margin losses), written so that NaN propagates.
///
/// `Swift.max(0, u)` and `u > 0 ? 1 : 0` are comparisons, and every comparison with NaN is
/// false, so both turn a NaN margin into 0: a NaN input would silently cost nothing. These
/// functions return NaN for NaN, as the README promises for every loss.
///
/// **Where a hinge becomes flat.** max(0, u) has two one-sided slopes at the kink u = 0, and the
/// references differ: PyTorch's losses built on `clamp_min` (`margin_ranking_loss`,
/// `hinge_embedding_loss`, `cosine_embedding_loss`, `triplet_margin_loss`) pass the gradient
/// at u = 0, while its own kernels (`multi_margin_loss`, `multilabel_margin_loss`) and `relu`
/// give 0 there (measured with PyTorch 2.13 at exact kinks). LossKit's rule: where PyTorch has
/// the loss, PyTorch's choice (``clampMinSlope`` for the first four, ``hingeSlope`` for the
/// others); every loss PyTorch lacks puts the kink on the flat side (``hingeSlope``, and the
/// SIMD formulas' `positiveStep`): where the loss reaches its minimum 0, its derivatives are 0.
/// The loss is 0 at the kink either way.

/// max(0, u), NaN for NaN (and +0 for -0).
@inlinable @inline(__always)
func hinge(_ u: Double) -> Double { u <= 0 ? 0 : u }

/// The slope of max(0, u) with the kink on the flat side: 1 where u > 0, 0 where u <= 0, NaN
/// for NaN (`relu`'s derivative, and PyTorch's multi-margin kernels').
@inlinable @inline(__always)
func hingeSlope(_ u: Double) -> Double { u > 0 ? 1 : (u <= 0 ? 0 : .nan) }

/// The slope of max(0, u) with the kink on the active side: 1 where u >= 0, 0 where u < 0,
/// NaN for NaN (the derivative of PyTorch's `clamp_min(u, 0)`).
@inlinable @inline(__always)
func clampMinSlope(_ u: Double) -> Double { u >= 0 ? 1 : (u < 0 ? 0 : .nan) }

/// ``hinge(_:)`` lane by lane: max(0, u), NaN for NaN.
@inlinable @inline(__always)
func hinge(_ u: SIMD8<Double>) -> SIMD8<Double> { SIMD8<Double>().replacing(with: u, where: .!(u .<= SIMD8<Double>())) }

/// ``clampMinSlope(_:)`` lane by lane: 1 where u >= 0, 0 where u < 0, NaN for NaN.
@inlinable @inline(__always)
func clampMinSlope(_ u: SIMD8<Double>) -> SIMD8<Double> {
    SIMD8<Double>().replacing(with: 1, where: u .>= SIMD8<Double>()).replacing(with: .nan, where: u .!= u)
}
