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

    /// Runs the driver (``evaluate(_:_:)``) over `problem` with the loss built from
    /// `parameters`. Every loss gets the implementations below. They are requirements, one per
    /// scalar type, so that a call through `any ElementwiseLoss.Type`, which is how the C ABI
    /// finds a loss by id, reaches a copy of the driver specialized for the concrete loss and
    /// scalar. A generic call runs the SIMD formula through witness tables instead, measured
    /// 100-1000x slower (Swift does not specialize a witness that is still generic in T).
    static func evaluate(parameters: [Double], _ problem: ElementwiseProblem<Float>) -> Double
    static func evaluate(parameters: [Double], _ problem: ElementwiseProblem<Double>) -> Double
}

extension ElementwiseLoss {
    public static func evaluate(parameters: [Double], _ problem: ElementwiseProblem<Float>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }

    public static func evaluate(parameters: [Double], _ problem: ElementwiseProblem<Double>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }
}
