#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossKit
import Testing

/// Accuracy of the vector elementary functions (`Sources/LossKit/Math`) against independent
/// references: the platform libm in `Double` for the `Float` lanes, and libm's `long double`
/// (`Float80`, 11 more bits) for the `Double` lanes. Errors are in ulps of the exact result
/// rounded to the lane type (with the spacing of the smallest subnormal below the normal range).
///
/// Each function is measured on
/// - a sweep: every `floatStride`-th bit pattern of `Float` (all signs, NaNs and infinities), and
///   `doubleSamples` log-uniform plus uniform random `Double`s over the function's domain;
/// - windows of `window` consecutive values on each side of every branch boundary;
/// - exact special values (zeros with their sign, infinities, NaN, the clamps).
///
/// `swift test` (debug, unoptimised SIMD code) runs a thin sweep so the file takes seconds;
/// `swift test -c release --filter VectorMath` runs a dense one, whose Double maxima the doc
/// comments and `docs/vector-math.md` quote; their Float maxima come from the exhaustive run,
/// `LOSSKIT_FLOAT_STRIDE=1 swift test -c release --filter "floatAccuracy|compositesFloat"`.
/// The maxima are printed either way.
@Suite("Vector math accuracy")
struct VectorMathTests {
    #if DEBUG
    static let floatStride = floatStrideSetting(default: 4099)
    static let doubleSamples = 100_000
    static let window = 1000
    #else
    static let floatStride = floatStrideSetting(default: 97)
    static let doubleSamples = 2_000_000
    static let window = 50000
    #endif

    /// The sweep's stride over `Float` bit patterns: `LOSSKIT_FLOAT_STRIDE` if set (1 checks
    /// every `Float`, a few minutes per function in release), else `default`.
    static func floatStrideSetting(default value: UInt64) -> UInt64 {
        getenv("LOSSKIT_FLOAT_STRIDE").flatMap { UInt64(String(cString: $0)) } ?? value
    }

    @Test(arguments: FloatFunction.all)
    func floatAccuracy(_ f: FloatFunction) {
        let sweep = stride(from: 0, to: UInt64(1) << 32, by: Int(Self.floatStride)).lazy
            .map { Float(bitPattern: UInt32($0)) }
        let windows = f.boundaries.flatMap { neighbours(of: $0, Self.window) }
        let (worst, at) = [maxUlps(f, sweep), maxUlps(f, windows)].max { $0.0 < $1.0 }!
        print("\(f.name) Float: max \(format(worst)) ulp at \(at) (every \(Self.floatStride)th bit pattern, "
              + "\(windows.count) near boundaries)")
        #expect(worst <= f.bound, "\(f.name)(\(at)) is off by \(worst) ulp")
    }

    @Test(arguments: DoubleFunction.all)
    func doubleAccuracy(_ f: DoubleFunction) {
        var random = SplitMix64(seed: 0x5eed)
        var inputs: [Double] = []
        for domain in f.domains {
            for _ in 0..<Self.doubleSamples / f.domains.count { inputs.append(domain.sample(&random)) }
        }
        for b in f.boundaries { inputs += neighbours(of: b, Self.window) }
        let (worst, at) = maxUlps(f, inputs)
        print("\(f.name) Double: max \(format(worst)) ulp at \(at) over \(inputs.count) inputs")
        #expect(worst <= f.bound, "\(f.name)(\(at)) is off by \(worst) ulp")
    }

    @Test func floatSpecialValues() {
        typealias V = SIMD16<Float>
        let inf = Float.infinity
        checkExact(V.self, LossKit.exp, [0, -0.0, inf, -inf, .nan, 89, 1e30, -104, -1e30],
                   [1, 1, inf, 0, .nan, inf, inf, 0, 0], "exp")
        checkExact(V.self, LossKit.expm1, [0, -0.0, inf, -inf, .nan, 89, -20, -1e30, 0x1p-149, -0x1p-149, 1e-30],
                   [0, -0.0, inf, -1, .nan, inf, -1, -1, 0x1p-149, -0x1p-149, 1e-30], "expm1")
        checkExact(V.self, LossKit.log, [0, -0.0, -1, -inf, inf, .nan, 1, -0x1p-149],
                   [-inf, -inf, .nan, .nan, inf, .nan, 0, .nan], "log")
        checkExact(V.self, LossKit.log1p, [0, -0.0, -1, -2, -inf, inf, .nan, 0x1p-149, -0x1p-149, 1e-30],
                   [0, -0.0, -inf, .nan, .nan, inf, .nan, 0x1p-149, -0x1p-149, 1e-30], "log1p")
        checkExact(V.self, LossKit.tanh, [0, -0.0, inf, -inf, .nan, 10, -10, 1e30, 0x1p-149, -1e-30],
                   [0, -0.0, 1, -1, .nan, 1, -1, 1, 0x1p-149, -1e-30], "tanh")
    }

    @Test func doubleSpecialValues() {
        typealias V = SIMD8<Double>
        let inf = Double.infinity
        checkExact(V.self, LossKit.exp, [0, -0.0, inf, -inf, .nan, 710, 1e300, -746, -1e300],
                   [1, 1, inf, 0, .nan, inf, inf, 0, 0], "exp")
        checkExact(V.self, LossKit.expm1, [0, -0.0, inf, -inf, .nan, 710, -40, -1e300, 0x1p-1074, -0x1p-1074, 1e-300],
                   [0, -0.0, inf, -1, .nan, inf, -1, -1, 0x1p-1074, -0x1p-1074, 1e-300], "expm1")
        checkExact(V.self, LossKit.log, [0, -0.0, -1, -inf, inf, .nan, 1, -0x1p-1074],
                   [-inf, -inf, .nan, .nan, inf, .nan, 0, .nan], "log")
        checkExact(V.self, LossKit.log1p, [0, -0.0, -1, -2, -inf, inf, .nan, 0x1p-1074, -0x1p-1074, 1e-300],
                   [0, -0.0, -inf, .nan, .nan, inf, .nan, 0x1p-1074, -0x1p-1074, 1e-300], "log1p")
        checkExact(V.self, LossKit.tanh, [0, -0.0, inf, -inf, .nan, 21, -21, 1e300, 0x1p-1074, -1e-300],
                   [0, -0.0, 1, -1, .nan, 1, -1, 1, 0x1p-1074, -1e-300], "tanh")
    }

    /// The functions built on the elementary ones, on Float and Double, against references in
    /// the wider type: the stable forms keep them within a few ulps everywhere.
    @Test func compositesFloat() {
        let inputs = stride(from: 0, to: UInt64(1) << 32, by: 3 * Int(Self.floatStride)).lazy
            .map { Float(bitPattern: UInt32($0)) }.filter(\.isFinite)
        let cases: [FloatFunction] = [
            FloatFunction("softplus", 2, LossKit.softplus) { Swift.max($0, 0) + Glibc.log1p(Glibc.exp(-Swift.abs($0))) },
            FloatFunction("logSigmoid", 2, LossKit.logSigmoid) { Swift.min($0, 0) - Glibc.log1p(Glibc.exp(-Swift.abs($0))) },
            FloatFunction("sigmoid", 2.5, LossKit.sigmoid) { 1 / (1 + Glibc.exp(-$0)) },
        ]
        for f in cases {
            let (worst, at) = maxUlps(f, inputs)
            print("\(f.name) Float: max \(format(worst)) ulp at \(at) (every \(3 * Self.floatStride)th bit pattern)")
            #expect(worst <= f.bound, "\(f.name)(\(at)) is off by \(worst) ulp")
        }
    }

    @Test func compositesDouble() {
        var random = SplitMix64(seed: 7)
        let domain = Domain.logUniform(-80, 12, bothSigns: true)
        let inputs = (0..<Self.doubleSamples / 4).map { _ in domain.sample(&random) }
        let cases: [DoubleFunction] = [
            DoubleFunction("softplus", 2, LossKit.softplus) { Swift.max($0, 0) + log1pl(expl(-Swift.abs($0))) },
            DoubleFunction("logSigmoid", 2, LossKit.logSigmoid) { Swift.min($0, 0) - log1pl(expl(-Swift.abs($0))) },
            DoubleFunction("sigmoid", 2.5, LossKit.sigmoid) { 1 / (1 + expl(-$0)) },
        ]
        for f in cases {
            let (worst, at) = maxUlps(f, inputs)
            print("\(f.name) Double: max \(format(worst)) ulp at \(at) over \(inputs.count) inputs")
            #expect(worst <= f.bound, "\(f.name)(\(at)) is off by \(worst) ulp")
        }
    }
}

// MARK: - Functions under test

/// A `Float` vector function, its `Double` reference, the bound asserted (ulps) and the branch
/// boundaries its windows are centred on.
struct FloatFunction: Sendable, CustomTestStringConvertible {
    let name: String
    let bound: Double
    let vector: @Sendable (SIMD16<Float>) -> SIMD16<Float>
    let reference: @Sendable (Double) -> Double
    var boundaries: [Float] = []
    var testDescription: String { name }

    init(_ name: String, _ bound: Double, _ vector: @escaping @Sendable (SIMD16<Float>) -> SIMD16<Float>,
         boundaries: [Float] = [], reference: @escaping @Sendable (Double) -> Double) {
        self.name = name
        self.bound = bound
        self.vector = vector
        self.reference = reference
        self.boundaries = boundaries
    }

    static let all: [FloatFunction] = [
        // ±ln2/2 and ±3ln2/2: reduction boundaries; 88.72: overflow; -87.34: subnormal results;
        // -103.97: results round to 0.
        FloatFunction("exp", 1, LossKit.exp,
                      boundaries: [0, 0.34657359, -0.34657359, 1.0397208, -1.0397208, 88.72284, -87.33655, -103.97208],
                      reference: Glibc.exp),
        // 2^-25: the tiny-argument branch; -17.33: the result rounds to -1.
        FloatFunction("expm1", 1, LossKit.expm1,
                      boundaries: [0, 0x1p-25, -0x1p-25, 0.34657359, -0.34657359, 1.0397208, -17.32868, 88.72284],
                      reference: Glibc.expm1),
        // 1: cancellation; √½ and √2: the mantissa split; 2^-126: subnormal inputs.
        FloatFunction("log", 1, LossKit.log,
                      boundaries: [1, 0.70710677, 1.4142135, 0x1p-126, 0, .greatestFiniteMagnitude],
                      reference: Glibc.log),
        // 1: the Fast2Sum switch; -1: the pole; √2 - 1 and √½ - 1: the mantissa split of 1 + x.
        FloatFunction("log1p", 1, LossKit.log1p,
                      boundaries: [0, 0x1p-25, -0x1p-25, 1, -1, 0.41421357, -0.29289323, 0x1p24],
                      reference: Glibc.log1p),
        // 0.55: polynomial or exponential; 9.01: the result rounds to 1.
        FloatFunction("tanh", 1.5, LossKit.tanh,
                      boundaries: [0, 0x1p-13, 0.55, -0.55, 9.01],
                      reference: Glibc.tanh),
    ]
}

/// A `Double` vector function, its `Float80` reference, the bound asserted (ulps), the domains
/// its random samples are drawn from and its branch boundaries.
struct DoubleFunction: Sendable, CustomTestStringConvertible {
    let name: String
    let bound: Double
    let vector: @Sendable (SIMD8<Double>) -> SIMD8<Double>
    let reference: @Sendable (Float80) -> Float80
    var domains: [Domain] = []
    var boundaries: [Double] = []
    var testDescription: String { name }

    init(_ name: String, _ bound: Double, _ vector: @escaping @Sendable (SIMD8<Double>) -> SIMD8<Double>,
         domains: [Domain] = [], boundaries: [Double] = [],
         reference: @escaping @Sendable (Float80) -> Float80) {
        self.name = name
        self.bound = bound
        self.vector = vector
        self.reference = reference
        self.domains = domains
        self.boundaries = boundaries
    }

    static let all: [DoubleFunction] = [
        DoubleFunction("exp", 1, LossKit.exp,
                       domains: [.uniform(-750, 712), .logUniform(-60, 10, bothSigns: true)],
                       boundaries: [0, 0.34657359027997264, -0.34657359027997264, 1.0397207708399179,
                                    709.782712893384, -708.3964185322641, -745.1332191019411],
                       reference: expl),
        DoubleFunction("expm1", 1, LossKit.expm1,
                       domains: [.uniform(-45, 712), .logUniform(-60, 10, bothSigns: true)],
                       boundaries: [0, 0x1p-54, -0x1p-54, 0.34657359027997264, -0.34657359027997264,
                                    1.0397207708399179, -37.42994775023705, 709.782712893384],
                       reference: expm1l),
        DoubleFunction("log", 1, LossKit.log,
                       domains: [.uniform(0.5, 2), .logUniform(-1074, 1023, bothSigns: false)],
                       boundaries: [1, 0.7071067811865476, 1.4142135623730951, 0x1p-1022, 0,
                                    .greatestFiniteMagnitude],
                       reference: logl),
        DoubleFunction("log1p", 1, LossKit.log1p,
                       domains: [.uniform(-1, 2), .logUniform(-60, 1023, bothSigns: false),
                                 .logUniform(-60, -1, bothSigns: true)],
                       boundaries: [0, 0x1p-54, -0x1p-54, 1, -1, 0.41421356237309503,
                                    -0.2928932188134524, 0x1p53],
                       reference: log1pl),
        DoubleFunction("tanh", 1.5, LossKit.tanh,
                       domains: [.uniform(-20, 20), .logUniform(-60, 6, bothSigns: true)],
                       boundaries: [0, 0x1p-27, 0.55, -0.55, 19.06],
                       reference: tanhl),
    ]
}

/// Where random `Double` inputs are drawn from.
enum Domain: Sendable {
    /// Uniform in [a, b].
    case uniform(Double, Double)
    /// ±2^e·m with e uniform in [lo, hi] and m uniform in [1, 2): equally many per binade.
    case logUniform(Int, Int, bothSigns: Bool)

    func sample(_ random: inout SplitMix64) -> Double {
        switch self {
        case let .uniform(a, b):
            return a + (b - a) * Double(random.next() >> 11) * 0x1p-53
        case let .logUniform(lo, hi, bothSigns):
            let e = lo + Int(random.next() % UInt64(hi - lo + 1))
            let x = Double(sign: .plus, exponent: e, significand: 1 + Double(random.next() >> 12) * 0x1p-52)
            return bothSigns && random.next() & 1 == 1 ? -x : x
        }
    }
}

/// Steele, Lea and Flood's SplitMix64: a small seeded generator, so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

// MARK: - Measuring

/// `count` consecutive values on each side of `x` (and `x` itself).
func neighbours<T: BinaryFloatingPoint>(of x: T, _ count: Int) -> [T] {
    var lo = x
    for _ in 0..<count { lo = lo.nextDown }
    var out: [T] = []
    for _ in 0...(2 * count) {
        out.append(lo)
        lo = lo.nextUp
    }
    return out
}

/// The error of `got` in ulps of `exact` rounded to a type with `precision` significand bits
/// and smallest normal exponent `minExponent`. Matching NaNs and equal infinities are 0 apart;
/// an infinity against a finite value counts as the power of two past the largest finite one.
func ulps(_ got: Float80, _ exact: Float80, precision: Int, minExponent: Int, maxExponent: Int) -> Double {
    if exact.isNaN || got.isNaN { return exact.isNaN && got.isNaN ? 0 : .infinity }
    if got == exact { return 0 }
    let overflow = Float80(sign: .plus, exponent: maxExponent + 1, significand: 1)
    let g = got.isInfinite ? (got < 0 ? -overflow : overflow) : got
    let e = Swift.min(Swift.max(exact, -overflow), overflow)
    let a = Swift.abs(e)
    let exponent = a == 0 ? minExponent : Swift.min(Swift.max(Int(a.exponent), minExponent), maxExponent)
    let ulp = Float80(sign: .plus, exponent: exponent - (precision - 1), significand: 1)
    return Double(Swift.abs(g - e) / ulp)
}

/// The largest error of `f` over `inputs` in ulps, and where it occurs.
func maxUlps(_ f: FloatFunction, _ inputs: some Sequence<Float>) -> (Double, Float) {
    var worst = 0.0, at: Float = 0
    var lanes = 0
    var v = SIMD16<Float>()
    func flush() {
        let y = f.vector(v)
        for k in 0..<lanes {
            let e = ulps(Float80(y[k]), Float80(f.reference(Double(v[k]))), precision: 24,
                         minExponent: -126, maxExponent: 127)
            if !(e <= worst) { (worst, at) = (e.isNaN ? .infinity : e, v[k]) }
        }
        lanes = 0
    }
    for x in inputs {
        v[lanes] = x
        lanes += 1
        if lanes == 16 { flush() }
    }
    if lanes > 0 { flush() }
    return (worst, at)
}

func maxUlps(_ f: DoubleFunction, _ inputs: some Sequence<Double>) -> (Double, Double) {
    var worst = 0.0, at: Double = 0
    var lanes = 0
    var v = SIMD8<Double>()
    func flush() {
        let y = f.vector(v)
        for k in 0..<lanes {
            let e = ulps(Float80(y[k]), f.reference(Float80(v[k])), precision: 53,
                         minExponent: -1022, maxExponent: 1023)
            if !(e <= worst) { (worst, at) = (e.isNaN ? .infinity : e, v[k]) }
        }
        lanes = 0
    }
    for x in inputs {
        v[lanes] = x
        lanes += 1
        if lanes == 8 { flush() }
    }
    if lanes > 0 { flush() }
    return (worst, at)
}

/// `f` at each of `inputs` equals `expected` bit for bit (any NaN matches NaN).
func checkExact<V: SIMD>(_: V.Type, _ f: (V) -> V, _ inputs: [V.Scalar], _ expected: [V.Scalar], _ name: String,
                         sourceLocation: SourceLocation = #_sourceLocation)
where V.Scalar: BinaryFloatingPoint {
    precondition(inputs.count == expected.count)
    for start in stride(from: 0, to: inputs.count, by: V.scalarCount) {
        var v = V()
        for k in 0..<V.scalarCount { v[k] = inputs[Swift.min(start + k, inputs.count - 1)] }
        let y = f(v)
        for k in 0..<Swift.min(V.scalarCount, inputs.count - start) {
            let want = expected[start + k]
            let same = y[k].isNaN ? want.isNaN : y[k] == want && y[k].sign == want.sign
            #expect(same, "\(name)(\(v[k])) = \(y[k]), expected \(want)", sourceLocation: sourceLocation)
        }
    }
}

func format(_ x: Double) -> String {
    "\((x * 1000).rounded() / 1000)"
}
