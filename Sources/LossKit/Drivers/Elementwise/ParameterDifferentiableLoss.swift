/// One value per differentiable scalar parameter: at most four, stored inline so that the hot
/// loop allocates nothing.
public typealias ParameterSlots<Element> = InlineArray<4, Element>

/// Lane-wise derivatives of one element's loss with respect to what is not the input: the
/// loss's scalar parameters and its per-column operand (see ``ParameterDifferentiableLoss``).
public struct ParameterDerivatives<V: LossVector> {
    /// How many scalar parameters a loss can differentiate with respect to.
    public static var capacity: Int { ParameterSlots<V>.count }

    /// ∂l/∂θ_k for the loss's parameters in ``LossSpec/parameters`` order; unused slots are 0.
    public var parameters: ParameterSlots<V>
    /// ∂l/∂c, the derivative with respect to the element's column value c.
    public var column: V

    @inlinable @inline(__always)
    public init(_ p0: V = .zero, _ p1: V = .zero, _ p2: V = .zero, _ p3: V = .zero, column: V = .zero) {
        parameters = [p0, p1, p2, p3]
        self.column = column
    }
}

/// An ``ElementwiseLoss`` that also differentiates with respect to its parameters, so that they
/// can be learned: Barron's α and scale, the variance of the Gaussian NLL (its column operand).
///
/// Conforming types write the formula once, in ``evaluateWithParameterDerivatives(_:_:column:)``,
/// which returns the usual ``LossTerms`` and, from the same intermediate values, ∂l/∂θ for
/// every scalar parameter (at most ``ParameterDerivatives/capacity``) and ∂l/∂c for the column
/// operand. The plain ``ElementwiseLoss/evaluate(_:_:column:)`` comes for free. The driver
/// weights and reduces the parameter derivatives exactly like the loss (blocks summed in
/// Double), and writes the column derivative per element; every other loss is unaffected.
public protocol ParameterDifferentiableLoss: ElementwiseLoss {
    /// The loss terms and the derivatives with respect to the parameters and the column operand.
    func evaluateWithParameterDerivatives<V: LossVector>(
        _ x: V, _ y: V, column: V) -> (LossTerms<V>, ParameterDerivatives<V>)

    /// The parameter-differentiating ``evaluate(_:_:)`` of the loss built from `parameters`,
    /// specialised per type like ``ElementwiseLoss/run(_:_:)``; provided by the extension below.
    static func runDifferentiatingParameters(_ parameters: [Double], _ problem: ElementwiseProblem<Float>) -> Double
    static func runDifferentiatingParameters(_ parameters: [Double], _ problem: ElementwiseProblem<Double>) -> Double
}

extension ParameterDifferentiableLoss {
    public static func runDifferentiatingParameters(_ parameters: [Double], _ problem: ElementwiseProblem<Float>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }

    public static func runDifferentiatingParameters(_ parameters: [Double], _ problem: ElementwiseProblem<Double>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }

    @inlinable @inline(__always)
    public func evaluate<V: LossVector>(_ x: V, _ y: V, column: V) -> LossTerms<V> {
        evaluateWithParameterDerivatives(x, y, column: column).0
    }
}
