#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A floating-point type the kernels compute in: `Float` or `Double`.
///
/// Each scalar type names the SIMD vector its drivers run formulas on.
public protocol LossScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// The SIMD vector formulas are evaluated on: 16 `Float` or 8 `Double` lanes (one AVX-512 register).
    associatedtype Vector: LossVector where Vector.Scalar == Self

    /// log, exp, log1p and expm1 of one scalar, from the platform's libm: for the scalar code
    /// paths (cross-entropy's row sums, CTC, NT-Xent and the row-wise formulas, which work in
    /// `Double` one value at a time). Vectorised formulas use the vector math instead.
    static func _log(_ x: Self) -> Self
    static func _exp(_ x: Self) -> Self
    static func _log1p(_ x: Self) -> Self
    static func _expm1(_ x: Self) -> Self

    /// Runs the elementwise loss `loss` (a catalogue type) with `parameters` on `problem`,
    /// specialised for this scalar type (see `Drivers/Dispatch.swift`).
    static func evaluate(_ loss: any ElementwiseLoss.Type, parameters: [Double],
                         _ problem: ElementwiseProblem<Self>) -> Double
    /// Runs softmax cross-entropy on `problem`, specialised for this scalar type.
    static func evaluate(_ problem: CrossEntropyProblem<Self>) -> Double
    /// Runs the row-wise loss `loss` (a catalogue type) with `parameters` on `problem`,
    /// specialised for this scalar type.
    static func evaluate(_ loss: any RowwiseLoss.Type, parameters: [Double],
                         _ problem: RowwiseProblem<Self>) -> Double
    /// Runs the embedding loss `loss` (a catalogue type) on `problem`, specialised for this
    /// scalar type and for the loss.
    static func evaluate(_ loss: any EmbeddingLoss.Type, parameters: [Double], swap: Bool,
                         _ problem: EmbeddingProblem<Self>) -> Double
    /// Runs NT-Xent on `problem`, specialised for this scalar type.
    static func evaluate(_ problem: NTXentProblem<Self>) throws(LossKitError) -> Double
    /// Runs CTC on `problem`, specialised for this scalar type.
    static func evaluate(_ problem: CTCProblem<Self>) throws(LossKitError) -> Double
    /// Runs the overlap (segmentation) loss `loss` on `problem`, specialised for this scalar
    /// type and for the loss.
    static func evaluate(_ loss: any OverlapLoss.Type, parameters: [Double],
                         _ problem: OverlapProblem<Self>) throws(LossKitError) -> Double
}

extension Float: LossScalar {
    public typealias Vector = SIMD16<Float>
    @inlinable public static func _log(_ x: Float) -> Float { logf(x) }
    @inlinable public static func _exp(_ x: Float) -> Float { expf(x) }
    @inlinable public static func _log1p(_ x: Float) -> Float { log1pf(x) }
    @inlinable public static func _expm1(_ x: Float) -> Float { expm1f(x) }
}

extension Double: LossScalar {
    public typealias Vector = SIMD8<Double>
    @inlinable public static func _log(_ x: Double) -> Double { log(x) }
    @inlinable public static func _exp(_ x: Double) -> Double { exp(x) }
    @inlinable public static func _log1p(_ x: Double) -> Double { log1p(x) }
    @inlinable public static func _expm1(_ x: Double) -> Double { expm1(x) }
}

/// A SIMD vector of a ``LossScalar``: what every loss formula is written over.
///
/// Writing a formula once over `LossVector` lets the drivers run it on full vectors in the
/// hot loop and on a zero-padded vector for the tail, so there is no scalar copy of any formula.
/// The elementary functions are requirements so that each vector type supplies its own
/// branch-free implementation (`Math/SIMD16+FloatMath.swift`, `Math/SIMD8+DoubleMath.swift`);
/// formulas call them through the free functions of `Math/VectorMath.swift`.
///
/// The lane-wise comparisons are requirements too, although `SIMD` already has them: in
/// generic code the `SIMD` extension's comparisons compile, even when specialised, to a loop
/// that compares and stores one lane at a time. As requirements they are witnessed by the
/// standard library's overloads for `SIMD16<Float>` and `SIMD8<Double>`, which compile to one
/// vector compare, and generic code (every formula) calls those. Compare a vector with a
/// vector (`v .< V.zero`, `v .<= V(repeating: c)`): with a scalar operand (`v .< 0`) overload
/// resolution still picks the `SIMD` extension's lane-by-lane loop.
public protocol LossVector: SIMD where Scalar: LossScalar {
    static func .== (a: Self, b: Self) -> SIMDMask<MaskStorage>
    static func .!= (a: Self, b: Self) -> SIMDMask<MaskStorage>
    static func .< (a: Self, b: Self) -> SIMDMask<MaskStorage>
    static func .<= (a: Self, b: Self) -> SIMDMask<MaskStorage>
    static func .> (a: Self, b: Self) -> SIMDMask<MaskStorage>
    static func .>= (a: Self, b: Self) -> SIMDMask<MaskStorage>

    /// |x|, lane by lane, by clearing the sign bit.
    func _abs() -> Self
    /// e^x, lane by lane.
    func _exp() -> Self
    /// e^x - 1, lane by lane; accurate for small x.
    func _expm1() -> Self
    /// log(x), lane by lane.
    func _log() -> Self
    /// log(1 + x), lane by lane; accurate for small x.
    func _log1p() -> Self
    /// tanh(x), lane by lane.
    func _tanh() -> Self
    /// The lanes added in `Double`, pairwise (see `sumInDouble`).
    func _sumInDouble() -> Double
    /// 0, 1, 2, ... lane by lane: a constant (see `laneMask`).
    static var _laneNumbers: Self { get }
}
