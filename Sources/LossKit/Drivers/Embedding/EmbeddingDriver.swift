/// The arrays and options of one embedding-loss evaluation: `rows` tuples of `arity` rows of
/// `dim` values each (`x0`, `x1`, `x2`, row-major (rows, dim)), a label per tuple (`target`,
/// when the loss takes one) and an optional weight per tuple.
///
/// Reductions follow the library's rule: 'none' gives s_i·l_i per tuple, 'sum' Σ s_i·l_i and
/// 'mean' Σ s_i·l_i / Σ s_i (0 with zero gradient when Σ s_i = 0 or there are no rows). With
/// s = 1 this is PyTorch's mean over the batch.
public struct EmbeddingProblem<T: LossScalar> {
    public var rows: Int
    public var dim: Int
    public var x0: UnsafePointer<T>
    public var x1: UnsafePointer<T>?
    public var x2: UnsafePointer<T>?
    public var target: UnsafePointer<T>?
    public var sampleWeight: UnsafePointer<T>?
    public var reduction: Reduction
    /// Per-tuple (weighted) losses; written only for ``Reduction/none``.
    public var losses: UnsafeMutablePointer<T>?
    public var grad0: UnsafeMutablePointer<T>?
    public var grad1: UnsafeMutablePointer<T>?
    public var grad2: UnsafeMutablePointer<T>?

    public init(rows: Int, dim: Int, x0: UnsafePointer<T>, x1: UnsafePointer<T>? = nil,
                x2: UnsafePointer<T>? = nil, target: UnsafePointer<T>? = nil,
                sampleWeight: UnsafePointer<T>? = nil, reduction: Reduction = .mean,
                losses: UnsafeMutablePointer<T>? = nil, grad0: UnsafeMutablePointer<T>? = nil,
                grad1: UnsafeMutablePointer<T>? = nil, grad2: UnsafeMutablePointer<T>? = nil) {
        self.rows = rows
        self.dim = dim
        self.x0 = x0
        self.x1 = x1
        self.x2 = x2
        self.target = target
        self.sampleWeight = sampleWeight
        self.reduction = reduction
        self.losses = losses
        self.grad0 = grad0
        self.grad1 = grad1
        self.grad2 = grad2
    }

    /// Checks sizes, that the loss's arrays are all given (and no others), the labels against
    /// the loss's target domain and the weights, before any row is touched.
    public func validate<L: EmbeddingLoss>(for loss: L.Type) throws(LossKitError) {
        let name = L.spec.name
        guard rows >= 0, dim >= 0 else {
            throw LossKitError(.shapeMismatch, "rows and dim must be >= 0, got \(rows) and \(dim)")
        }
        guard rows <= Int.max / 8 / Swift.max(dim, 1) else {
            throw LossKitError(.shapeMismatch, "rows × dim overflows")
        }
        if let length = L.rowLength, dim != length {
            throw LossKitError(.shapeMismatch, "dim: \(name) takes rows of \(length) value(s) (one score per sample), got dim = \(dim)")
        }
        let inputs = [true, x1 != nil, x2 != nil]
        for k in 1..<3 where inputs[k] != (k < L.arity) {
            throw LossKitError(k < L.arity ? .nullPointer : .invalidArgument,
                "input\(k + 1): \(name) takes \(L.arity) input array(s)")
        }
        let grads = [grad0 != nil, grad1 != nil, grad2 != nil]
        for k in L.arity..<3 where grads[k] {
            throw LossKitError(.invalidArgument, "grad\(k + 1): \(name) takes \(L.arity) input array(s)")
        }
        if L.takesTarget {
            guard let target else {
                if rows > 0 { throw LossKitError(.nullPointer, "target: \(name) needs a label per row") }
                return
            }
            try L.spec.targetDomain.check(target, rows, "target", loss: name)
        } else if target != nil {
            throw LossKitError(.invalidArgument, "target: \(name) takes no target")
        }
        if let sampleWeight { try checkNonNegativeFinite(sampleWeight, rows, "sample_weight") }
        if reduction == .none && losses == nil && rows > 0 {
            throw LossKitError(.nullPointer, "reduction 'none' needs an output array for the losses")
        }
    }

    /// The denominator of ``Reduction/mean``: Σ s_i, or the row count.
    @inlinable
    var meanDenominator: Double {
        guard let sampleWeight else { return Double(rows) }
        var s = 0.0
        for i in 0..<rows { s += Double(sampleWeight[i]) }
        return s
    }
}

/// Runs an ``EmbeddingLoss`` over every tuple of an ``EmbeddingProblem``. Tuples are taken in
/// blocks of about ``accumulationBlock`` values (a count that depends only on `dim`), each block
/// summed in `Double` and the blocks added in order, so the result is the same for any thread
/// count. Returns the reduced loss (for ``Reduction/none``, the sum of the tuple losses).
@inlinable
public func evaluate<L: EmbeddingLoss, T: LossScalar>(_ loss: L, _ p: EmbeddingProblem<T>) -> Double {
    let denominator = p.reduction == .mean ? p.meanDenominator : 1
    let scale = denominator > 0 ? 1 / denominator : 0
    let rowsPerBlock = Swift.max(1, accumulationBlock / Swift.max(p.dim, 1))
    let blocks = (p.rows + rowsPerBlock - 1) / rowsPerBlock
    let total = Parallel.sum(blocks: blocks) { b in
        var sum = 0.0
        for i in (b * rowsPerBlock)..<Swift.min((b + 1) * rowsPerBlock, p.rows) {
            sum += embeddingRow(loss, p, i, scale)
        }
        return sum
    }
    return p.reduction == .mean ? (denominator > 0 ? total / denominator : 0) : total
}

/// Tuple i of ``evaluate(_:_:)``: writes its outputs and returns its weighted loss.
@inlinable
func embeddingRow<L: EmbeddingLoss, T: LossScalar>(_ loss: L, _ p: EmbeddingProblem<T>, _ i: Int,
                                                    _ scale: Double) -> Double {
    let offset = i * p.dim
    let s = Double(p.sampleWeight?[i] ?? 1)
    let x0 = p.x0 + offset
    let rows = EmbeddingRows<T>(
        dim: p.dim, x0: x0, x1: p.x1.map { $0 + offset } ?? x0, x2: p.x2.map { $0 + offset } ?? x0,
        label: p.target.map { Double($0[i]) } ?? 1,
        grad0: p.grad0.map { $0 + offset }, grad1: p.grad1.map { $0 + offset },
        grad2: p.grad2.map { $0 + offset })
    guard s != 0 else {
        // Three statements, not a loop over an array literal: an array may be a heap
        // allocation, which would trap if memory ran out.
        rows.grad0?.update(repeating: 0, count: p.dim)
        rows.grad1?.update(repeating: 0, count: p.dim)
        rows.grad2?.update(repeating: 0, count: p.dim)
        if p.reduction == .none { p.losses![i] = 0 }
        return 0
    }
    let l = s * loss.evaluate(rows, scale: s * scale)
    if p.reduction == .none { p.losses![i] = T(l) }
    return l
}
