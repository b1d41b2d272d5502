/// A row-wise loss written once, as a formula over one row of C scores and that row's target.
///
/// A conforming type holds the loss's parameters (validated against ``spec`` and
/// ``check(parameters:)`` before it is built) and, for one row, returns the row's loss and
/// writes the row's gradient and Hessian diagonal, each multiplied by the factor the driver
/// gives. It owns nothing else: rows, sample weights, `ignore_index`, reductions and their
/// denominators, threads and output layout belong to ``RowwiseProblem`` and its driver.
///
/// Formulas compute in `Double` whatever the storage type, so float32 rows get float64
/// intermediate values (log-space quantities such as log p and log(1 - p) in particular).
public protocol RowwiseLoss: Sendable {
    /// Name, parameters, target kind, class-weight name and documentation: the catalogue entry.
    static var spec: LossSpec { get }

    /// What ``RowReduction/mean`` divides by (see ``RowMean``). ``RowMean/rows`` by default.
    static var mean: RowMean { get }

    /// Whether reduction 'none' returns one loss per element (rows × classes) instead of one
    /// per row, as PyTorch's `kl_div` does. False by default.
    static var elementLosses: Bool { get }

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

    @inlinable
    public init(z: UnsafePointer<T>, classes: Int, index: Int, indices: UnsafePointer<Int64>?,
                values: UnsafePointer<T>?, classWeight: UnsafePointer<T>?) {
        self.z = z
        self.classes = classes
        self.index = index
        self.indices = indices
        self.values = values
        self.classWeight = classWeight
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

    @inlinable
    public init(grad: UnsafeMutablePointer<T>?, hess: UnsafeMutablePointer<T>?, scale: Double,
                elementLosses: UnsafeMutablePointer<T>?, lossScale: Double) {
        self.grad = grad
        self.hess = hess
        self.scale = scale
        self.elementLosses = elementLosses
        self.lossScale = lossScale
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

/// The softmax of one row, in `Double`: m = max z, and S = Σ e^(z_c - m) split as 1 + Sx where
/// Sx sums every class but the (first) argmax, so log S = log1p(Sx) and 1 - p_argmax = Sx/S
/// stay accurate when one class takes nearly all the mass (logits ±1e4).
public struct SoftmaxRow {
    public let max: Double
    public let argmax: Int
    /// Σ over classes other than the argmax of e^(z_c - m).
    public let rest: Double
    public let logS: Double

    @inlinable
    public init<T: LossScalar>(_ r: Row<T>) {
        var m = r[0], k = 0
        for c in 1..<Swift.max(r.classes, 1) where r[c] > m {
            m = r[c]
            k = c
        }
        // Σ_{c≠k} e^(z_c - m) with the vector exponential in Double, eight classes at a time
        // (padding lanes are -inf, giving 0): libm's exponential per class was half the cost of
        // a row.
        typealias D = SIMD8<Double>
        var sums = D.zero
        var c = 0
        while c < r.classes {
            let lanes = Swift.min(D.scalarCount, r.classes - c)
            var u = D(repeating: -.infinity)
            for j in 0..<lanes { u[j] = r[c + j] - m }
            if (c..<c + lanes).contains(k) { u[k - c] = -.infinity }
            sums += exp(u)
            c += lanes
        }
        let s = sums.sumInDouble
        max = m
        argmax = k
        rest = s
        logS = Double._log1p(s)
    }

    /// log p_c.
    @inlinable @inline(__always)
    public func logP(_ z: Double) -> Double { (z - max) - logS }

    /// p_c.
    @inlinable @inline(__always)
    public func p(_ z: Double) -> Double { Double._exp((z - max) - logS) }

    /// 1 - p_c from p_c = ``p(_:)`` (which callers have already computed: an exponential per
    /// class is most of a row's cost), accurate also for the class that takes nearly all the
    /// mass.
    @inlinable @inline(__always)
    public func oneMinusP(_ c: Int, p pc: Double) -> Double {
        c == argmax ? rest / (1 + rest) : 1 - pc
    }

    /// log(1 - p_c) for any class: log(Σ_{k≠c} e^(z_k - m)) - log S.
    @inlinable
    public func logOneMinusP(_ c: Int, _ z: Double) -> Double {
        if c == argmax { return Double._log(rest) - logS }
        // Σ_{k≠c} = 1 + (rest - e^(z_c - m)) >= 1, so the difference loses nothing.
        return Double._log(1 + (rest - Double._exp(z - max))) - logS
    }
}
