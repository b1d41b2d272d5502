/// The loss of one element and its first and second derivative with respect to the input.
public struct LossTerms<V: LossVector> {
    public var loss: V
    public var grad: V
    public var hess: V

    @inlinable @inline(__always)
    public init(loss: V, grad: V, hess: V) {
        self.loss = loss
        self.grad = grad
        self.hess = hess
    }
}

/// An elementwise loss l(x, y) written once, as a formula over SIMD lanes.
///
/// A conforming type holds the loss's parameters (validated against ``spec`` before it is
/// built) and returns, lane by lane, l, ∂l/∂x and ∂²l/∂x². It owns nothing else: loops,
/// tails, weights, reductions and output layout belong to ``ElementwiseDriver``.
public protocol ElementwiseLoss: Sendable {
    /// Name, parameters (defaults and valid ranges) and documentation: the catalogue entry.
    static var spec: LossSpec { get }

    /// Builds the loss from parameter values in ``spec`` order, already range-checked.
    init(parameters: [Double])

    /// Evaluates the loss at inputs `x` and targets `y`. `column` is the per-column parameter
    /// (broadcast along the last axis, e.g. BCE's `pos_weight`), 1 where the loss has none.
    func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V>

    /// ``evaluate(_:_:)`` of the loss built from `parameters` (already validated), for callers
    /// that hold the type only as `any ElementwiseLoss.Type`. Provided by the extension below;
    /// conforming types never implement it.
    static func run(_ parameters: [Double], _ problem: ElementwiseProblem<Float>) -> Double
    static func run(_ parameters: [Double], _ problem: ElementwiseProblem<Double>) -> Double
}

/// Why `run` is a requirement: the C ABI looks losses up by id and holds them as
/// `any ElementwiseLoss.Type`. Calling the generic driver through that opened existential runs
/// it unspecialised, every SIMD operation a generic witness call: measured at about 400 ns per
/// element, 500 times slower than the specialised loop. A requirement with a default
/// implementation gets a witness per conforming type, which the optimiser specialises for that
/// type and the concrete scalar type.
extension ElementwiseLoss {
    public static func run(_ parameters: [Double], _ problem: ElementwiseProblem<Float>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }

    public static func run(_ parameters: [Double], _ problem: ElementwiseProblem<Double>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }
}
