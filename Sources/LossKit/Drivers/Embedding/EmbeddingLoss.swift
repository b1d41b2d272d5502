/// One tuple of embedding rows (one, two or three rows of `dim` values, e.g. anchor, positive,
/// negative) with its label, and where the loss's gradient for each row goes.
public struct EmbeddingRows<T: LossScalar> {
    public var dim: Int
    public var x0: UnsafePointer<T>
    public var x1: UnsafePointer<T>
    public var x2: UnsafePointer<T>
    /// The row's label (1 for losses without one).
    public var label: Double
    public var grad0: UnsafeMutablePointer<T>?
    public var grad1: UnsafeMutablePointer<T>?
    public var grad2: UnsafeMutablePointer<T>?

    @inlinable
    public init(dim: Int, x0: UnsafePointer<T>, x1: UnsafePointer<T>, x2: UnsafePointer<T>, label: Double,
                grad0: UnsafeMutablePointer<T>?, grad1: UnsafeMutablePointer<T>?,
                grad2: UnsafeMutablePointer<T>?) {
        self.dim = dim
        self.x0 = x0
        self.x1 = x1
        self.x2 = x2
        self.label = label
        self.grad0 = grad0
        self.grad1 = grad1
        self.grad2 = grad2
    }

    /// Writes `scale · v(k, lanes)` to `g[k..<k + lanes]` for the vectors of the row, if `g` is
    /// requested: `v` gets the index of the vector's first value and its lane count (8, fewer
    /// for the last), and computes on values loaded with `wide(_:_:_:)`.
    @inlinable @inline(__always)
    func write(_ g: UnsafeMutablePointer<T>?, _ scale: Double, _ v: (Int, Int) -> RowVector) {
        guard let g else { return }
        let width = RowVector.scalarCount, s = RowVector(repeating: scale)
        var k = 0
        while k < dim {
            let lanes = Swift.min(width, dim - k)
            storeNarrowed(s * v(k, lanes), g, k, lanes)
            k += width
        }
    }
}

/// A loss of a tuple of embedding rows (pairs of rows, triplets, or one value with a label),
/// written once: given the rows of one sample it returns the loss and writes its gradient with
/// respect to every row, times `scale`. It owns nothing else: ``EmbeddingProblem`` and its
/// driver own the loop over rows, sample weights, reductions and threads.
///
/// Row arithmetic (dot products, norms) runs in `Double` whatever the input type, so a
/// float32 cosine or distance is as accurate as its inputs allow.
public protocol EmbeddingLoss: Sendable {
    /// Name, parameters (defaults and valid ranges), target domain: the catalogue entry.
    static var spec: LossSpec { get }
    /// How many row arrays the loss takes: 1 (`hinge_embedding_loss`), 2 or 3 (triplets).
    static var arity: Int { get }
    /// Whether each row tuple has a label (checked against `spec.targetDomain`).
    static var takesTarget: Bool { get }
    /// Whether the loss reads `LK_EMBEDDING_SWAP` (the triplet loss's distance swap).
    static var takesSwap: Bool { get }
    /// The only `dim` the loss takes, if it has one: 1 for losses of one score per sample
    /// (`margin_ranking_loss`, `hinge_embedding_loss`), nil for rows of any length.
    static var rowLength: Int? { get }

    /// Builds the loss from parameter values in ``spec`` order, already range-checked.
    init(parameters: [Double], swap: Bool)

    /// The loss of one row tuple; writes `scale · ∂l/∂x_k` into each requested gradient.
    func evaluate<T: LossScalar>(_ rows: EmbeddingRows<T>, scale: Double) -> Double

    /// Runs the driver for this loss on float32 / float64 data, specialised for the concrete
    /// loss (a requirement for the same reason as ``ElementwiseLoss``'s: dispatch by id goes
    /// through `any EmbeddingLoss.Type`).
    static func evaluate(parameters: [Double], swap: Bool, _ problem: EmbeddingProblem<Float>) -> Double
    static func evaluate(parameters: [Double], swap: Bool, _ problem: EmbeddingProblem<Double>) -> Double
}

extension EmbeddingLoss {
    public static var takesTarget: Bool { true }
    public static var takesSwap: Bool { false }
    public static var rowLength: Int? { nil }

    @inlinable
    public static func evaluate(parameters: [Double], swap: Bool, _ problem: EmbeddingProblem<Float>) -> Double {
        LossKit.evaluate(Self(parameters: parameters, swap: swap), problem)
    }

    @inlinable
    public static func evaluate(parameters: [Double], swap: Bool, _ problem: EmbeddingProblem<Double>) -> Double {
        LossKit.evaluate(Self(parameters: parameters, swap: swap), problem)
    }
}
