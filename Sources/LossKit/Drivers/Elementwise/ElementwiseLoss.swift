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

    /// The loss's parameter values in ``spec`` order (what `init(parameters:)` took), so a
    /// value built in Swift is validated like one built from the C ABI. Empty by default.
    var parameters: [Double] { get }

    /// Evaluates the loss at inputs `x` and targets `y`. `column` is the per-column parameter
    /// (broadcast along the last axis, e.g. BCE's `pos_weight`), 1 where the loss has none.
    func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V>

    /// Runs the driver for this loss on float32 data. Supplied by the extension below; a
    /// requirement only so that a call through `any ElementwiseLoss.Type` (the catalogue's
    /// dispatch by id) reaches code specialised for the concrete loss: a generic call on an
    /// opened existential is not specialised and runs about 100x slower.
    static func evaluate(parameters: [Double], _ problem: ElementwiseProblem<Float>) -> Double
    /// Runs the driver for this loss on float64 data (see the float32 variant).
    static func evaluate(parameters: [Double], _ problem: ElementwiseProblem<Double>) -> Double
}

extension ElementwiseLoss {
    public var parameters: [Double] { [] }

    @inlinable
    public static func evaluate(parameters: [Double], _ problem: ElementwiseProblem<Float>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }

    @inlinable
    public static func evaluate(parameters: [Double], _ problem: ElementwiseProblem<Double>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }
}
