/// A row-wise loss written once, as a formula over one row of C scores and that row's target.
///
/// A conforming type holds the loss's parameters (validated against ``spec`` and
/// ``check(parameters:)`` before it is built) and, for one row, returns the row's loss and
/// writes the row's gradient and Hessian diagonal, each multiplied by the factor the driver
/// gives. It owns nothing else: rows, sample weights, `ignore_index`, reductions and their
/// denominators, threads and output layout belong to ``RowwiseProblem`` and its driver.
///
/// Formulas are written over SIMD vectors of the storage type, a vector of classes at a time
/// (`Drivers/Rowwise/RowVectors.swift`), with per-row quantities (sums, log p_y, 1 - p_y) in
/// `Double`; softmax losses share cross-entropy's first pass (`SoftmaxRow.swift`).
public protocol RowwiseLoss: Sendable {
    /// Name, parameters, target kind, class-weight name and documentation: the catalogue entry.
    static var spec: LossSpec { get }

    /// What ``RowReduction/mean`` divides by (see ``RowMean``). ``RowMean/rows`` by default.
    static var mean: RowMean { get }

    /// Whether reduction 'none' returns one loss per element (rows × classes) instead of one
    /// per row, as PyTorch's `kl_div` does. False by default.
    static var elementLosses: Bool { get }

    /// Whether ``row(_:_:)`` writes every class of the gradient and Hessian rows it is given
    /// (the vector formulas), so that the driver need not zero them first. False by default:
    /// a formula may then set or accumulate.
    static var writesEveryClass: Bool { get }

    /// Checks what ranges alone cannot say (e.g. p ∈ {1, 2}); parameters are already in range.
    static func check(parameters: [Double]) throws(LossKitError)

    /// Builds the loss from parameter values in ``spec`` order, already checked.
    init(parameters: [Double])

    /// The loss of one row (class weights included, sample weight not). Writes the row's
    /// ∂l/∂z and ∂²l/∂z² times `out.scale` through `out` (whose rows the driver has zeroed).
    func row<T: LossScalar>(_ row: Row<T>, _ out: RowOutputs<T>) -> Double

    /// Runs the driver for this loss on float32 data. A requirement so that a call through
    /// `any RowwiseLoss.Type` (dispatch by catalogue id) reaches code specialised for the
    /// concrete loss and scalar (see `Drivers/Dispatch.swift`).
    static func evaluate(parameters: [Double], _ problem: RowwiseProblem<Float>) -> Double
    /// Runs the driver for this loss on float64 data.
    static func evaluate(parameters: [Double], _ problem: RowwiseProblem<Double>) -> Double
}

/// The denominator of ``RowReduction/mean`` for a row-wise loss (s = sample weights, 1 when
/// absent; rows whose target is `ignore_index` count 0).
public enum RowMean: Sendable {
    /// Σ s_i: the weighted mean over rows.
    case rows
    /// Σ s_i·w_{y_i}, w the class weights (PyTorch's `nll_loss` and `cross_entropy`).
    case targetClassWeight
    /// C·Σ s_i: the mean over elements (PyTorch's `kl_div` 'mean').
    case elements
}

extension RowwiseLoss {
    public static var mean: RowMean { .rows }
    public static var elementLosses: Bool { false }
    public static var writesEveryClass: Bool { false }
    public static func check(parameters: [Double]) throws(LossKitError) {}

    @inlinable
    public static func evaluate(parameters: [Double], _ problem: RowwiseProblem<Float>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }

    @inlinable
    public static func evaluate(parameters: [Double], _ problem: RowwiseProblem<Double>) -> Double {
        LossKit.evaluate(Self(parameters: parameters), problem)
    }
}

/// One row as a formula sees it: C scores and the row's target.
public struct Row<T: LossScalar> {
    /// The row's C scores (logits, log-probabilities, ...).
    public let z: UnsafePointer<T>
    public let classes: Int
    /// The class index (``RowTarget/classIndex``), else -1.
    public let index: Int
    /// C class indices padded with -1 (``RowTarget/classIndices``), else nil.
    public let indices: UnsafePointer<Int64>?
    /// C target values (``RowTarget/values``), else nil.
    public let values: UnsafePointer<T>?
    /// C class weights, or nil (meaning 1).
    public let classWeight: UnsafePointer<T>?
    /// How many elements after the row, in `z` and `values`, may be read (rows of the same
    /// block that the same thread handles next): a partial last vector is then one load.
    public let slack: Int

    @inlinable
    public init(z: UnsafePointer<T>, classes: Int, index: Int, indices: UnsafePointer<Int64>?,
                values: UnsafePointer<T>?, classWeight: UnsafePointer<T>?, slack: Int = 0) {
        self.z = z
        self.classes = classes
        self.index = index
        self.indices = indices
        self.values = values
        self.classWeight = classWeight
        self.slack = slack
    }

    /// z_c in Double.
    @inlinable @inline(__always)
    public subscript(c: Int) -> Double { Double(z[c]) }

    /// The weight of class c (1 without class weights).
    @inlinable @inline(__always)
    public func weight(_ c: Int) -> Double { classWeight.map { Double($0[c]) } ?? 1 }

    /// The target value of class c.
    @inlinable @inline(__always)
    public func value(_ c: Int) -> Double { Double(values![c]) }
}

/// Where a formula writes one row's derivatives (and per-element losses, for losses that
/// have them). The driver zeroes the gradient and Hessian rows first, so formulas may either
/// set or accumulate.
public struct RowOutputs<T: LossScalar> {
    public let grad: UnsafeMutablePointer<T>?
    public let hess: UnsafeMutablePointer<T>?
    /// The factor for derivatives: the row's sample weight over the reduction's denominator.
    public let scale: Double
    /// C outputs for per-element losses (only for ``RowwiseLoss/elementLosses`` and reduction
    /// 'none'), and their factor (the row's sample weight).
    public let elementLosses: UnsafeMutablePointer<T>?
    public let lossScale: Double
    /// How many elements after the row, in each output, may be overwritten (outputs of rows
    /// the same thread writes next, in order): a partial last vector is then one store.
    public let slack: Int

    @inlinable
    public init(grad: UnsafeMutablePointer<T>?, hess: UnsafeMutablePointer<T>?, scale: Double,
                elementLosses: UnsafeMutablePointer<T>?, lossScale: Double, slack: Int = 0) {
        self.grad = grad
        self.hess = hess
        self.scale = scale
        self.elementLosses = elementLosses
        self.lossScale = lossScale
        self.slack = slack
    }

    /// Whether any derivative is wanted.
    @inlinable public var derivatives: Bool { grad != nil || hess != nil }

    /// Sets class c's gradient and Hessian (times ``scale``).
    @inlinable @inline(__always)
    public func set(_ c: Int, grad g: Double, hess h: Double) {
        grad?[c] = T(scale * g)
        hess?[c] = T(scale * h)
    }

    /// Adds to class c's gradient and Hessian (times ``scale``).
    @inlinable @inline(__always)
    public func add(_ c: Int, grad g: Double, hess h: Double = 0) {
        grad?[c] += T(scale * g)
        if h != 0 { hess?[c] += T(scale * h) }
    }

    /// Records class c's own loss (times ``lossScale``) when per-element losses are wanted.
    @inlinable @inline(__always)
    public func element(_ c: Int, _ l: Double) {
        elementLosses?[c] = T(lossScale * l)
    }
}
