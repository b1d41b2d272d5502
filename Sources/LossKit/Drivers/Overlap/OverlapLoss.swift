/// The loss of one (sample, class) pair of a segmentation, as a function of that pair's
/// overlap sums over the spatial axes: TP = Σ p·t, FP = Σ p·(1 - t), FN = Σ (1 - p)·t, and
/// its first and second derivatives with respect to (TP, FP, FN).
///
/// The sums are linear in each probability p_i, with direction v_i = (t_i, 1 - t_i, -t_i), so
/// the driver gets ∂l/∂p_i = v_i·∇l and the exact ∂²l/∂p_i² = v_iᵀ ∇²l v_i from these terms
/// (element i is in one class's sums only, so there are no cross-class second derivatives).
public struct OverlapTerms: Sendable {
    public var loss: Double
    /// ∂l/∂TP, ∂l/∂FP, ∂l/∂FN.
    public var gradient: SIMD3<Double>
    /// The symmetric Hessian with respect to (TP, FP, FN), by rows.
    public var hessian: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    @inlinable
    public init(loss: Double, gradient: SIMD3<Double>, hessian: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)) {
        self.loss = loss
        self.gradient = gradient
        self.hessian = hessian
    }

    /// v·∇l and vᵀ∇²l v for v = (t, 1 - t, -t): the derivatives with respect to one probability.
    @inlinable @inline(__always)
    public func along(target t: Double) -> (Double, Double) {
        let v = SIMD3<Double>(t, 1 - t, -t)
        let hv = hessian.0 * v.x + hessian.1 * v.y + hessian.2 * v.z
        return ((gradient * v).sum(), (hv * v).sum())
    }
}

/// A segmentation (overlap) loss written once, over one class's overlap sums (see
/// ``OverlapTerms``). ``OverlapProblem`` and its driver own everything else: the softmax or
/// sigmoid, the targets (class maps or probability maps), the sums in `Double` per sample and
/// class, class weights, the background class, the reductions over classes and samples, the
/// chain rule to the input and threads.
public protocol OverlapLoss: Sendable {
    static var spec: LossSpec { get }
    /// Whether the class weights are computed from the targets (generalised Dice:
    /// 1 / ((Σ_n T_nc)² + 1e-7), normalised to sum to C) instead of being passed in.
    static var targetFrequencyWeights: Bool { get }
    /// Whether the loss is the Lovász-softmax surrogate, which sorts each class's errors
    /// instead of summing them (``evaluateLovasz(_:_:)``); ``terms(tp:fp:fn:)`` is then unused.
    static var sortsErrors: Bool { get }

    /// Builds the loss from parameter values in ``spec`` order, already range-checked.
    init(parameters: [Double])

    /// Whether the input holds logits (softmax over the class axis, or a sigmoid for one class).
    var applySoftmax: Bool { get }
    /// Whether class 0 is left out of the mean over classes (when there are 2 classes or more).
    var ignoreBackground: Bool { get }

    /// One class's loss and its derivatives with respect to (TP, FP, FN).
    func terms(tp: Double, fp: Double, fn: Double) -> OverlapTerms

    static func evaluate(parameters: [Double], _ problem: OverlapProblem<Float>) throws(LossKitError) -> Double
    static func evaluate(parameters: [Double], _ problem: OverlapProblem<Double>) throws(LossKitError) -> Double
}

extension OverlapLoss {
    public static var targetFrequencyWeights: Bool { false }
    public static var sortsErrors: Bool { false }

    @inlinable
    public static func evaluate(parameters: [Double], _ problem: OverlapProblem<Float>) throws(LossKitError) -> Double {
        try LossKit.evaluate(Self(parameters: parameters), problem)
    }

    @inlinable
    public static func evaluate(parameters: [Double], _ problem: OverlapProblem<Double>) throws(LossKitError) -> Double {
        try LossKit.evaluate(Self(parameters: parameters), problem)
    }
}
