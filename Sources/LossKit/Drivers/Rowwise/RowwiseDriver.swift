/// How row losses become the result of a row-wise call. Raw values are the C ABI's
/// (`LK_REDUCTION_*`); ``batchmean`` exists only for row-wise losses.
public enum RowReduction: Int32, Sendable {
    /// One (weighted) loss per row, or per element for losses with
    /// ``RowwiseLoss/elementLosses``.
    case none = 0
    /// Σ s_i·l_i over the loss's ``RowMean`` denominator; 0 with zero derivatives when that
    /// denominator is 0 (no rows, every weight 0, every target ignored).
    case mean = 1
    /// Σ s_i·l_i.
    case sum = 2
    /// Σ s_i·l_i / Σ s_i for every loss (PyTorch's `kl_div` 'batchmean').
    case batchmean = 3
}

/// The arrays and options of one row-wise evaluation over `rows` rows of `classes` scores
/// (row-major). Which target array is used depends on the loss's ``LossSpec/rowTarget``:
/// `targetIndex` holds one class index per row (``RowTarget/classIndex``) or `classes` indices
/// per row padded with -1 (``RowTarget/classIndices``); `targetValues` holds `classes` values
/// per row (``RowTarget/values``). `classWeight` (C values) is accepted only by losses with a
/// ``LossSpec/classWeight``. `sampleWeight` (one per row) multiplies each row's loss and its
/// share of the mean's denominator. Rows whose class index is `ignoreIndex` get loss 0 and
/// zero derivatives.
public struct RowwiseProblem<T: LossScalar> {
    public var rows: Int
    public var classes: Int
    public var input: UnsafePointer<T>
    public var targetIndex: UnsafePointer<Int64>?
    public var targetValues: UnsafePointer<T>?
    public var classWeight: UnsafePointer<T>?
    public var sampleWeight: UnsafePointer<T>?
    public var ignoreIndex: Int64
    public var reduction: RowReduction
    /// Per-row (or per-element) weighted losses; written only for ``RowReduction/none``.
    public var losses: UnsafeMutablePointer<T>?
    public var grad: UnsafeMutablePointer<T>?
    public var hess: UnsafeMutablePointer<T>?

    public init(rows: Int, classes: Int, input: UnsafePointer<T>,
                targetIndex: UnsafePointer<Int64>? = nil, targetValues: UnsafePointer<T>? = nil,
                classWeight: UnsafePointer<T>? = nil, sampleWeight: UnsafePointer<T>? = nil,
                ignoreIndex: Int64 = -100, reduction: RowReduction = .mean,
                losses: UnsafeMutablePointer<T>? = nil,
                grad: UnsafeMutablePointer<T>? = nil, hess: UnsafeMutablePointer<T>? = nil) {
        self.rows = rows
        self.classes = classes
        self.input = input
        self.targetIndex = targetIndex
        self.targetValues = targetValues
        self.classWeight = classWeight
        self.sampleWeight = sampleWeight
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
        self.losses = losses
        self.grad = grad
        self.hess = hess
    }

    /// Checks sizes, the target arrays the loss needs (and only those), every class index,
    /// target values against the loss's target domain, weights and parameters, before any row
    /// is touched. Lengths are the caller's to guarantee (the C layer checks pointers).
    public func validate<L: RowwiseLoss>(_: L.Type, parameters: [Double]) throws(LossKitError) {
        let spec = L.spec
        try spec.validate(parameters)
        try L.check(parameters: parameters)
        guard rows >= 0, classes >= 0 else {
            throw LossKitError(.shapeMismatch, "rows and classes must be >= 0, got \(rows) and \(classes)")
        }
        guard rows == 0 || classes > 0 else {
            throw LossKitError(.shapeMismatch, "\(spec.name): input must have at least one class")
        }
        guard rows <= Int.max / 8 / Swift.max(classes, 1) else {
            throw LossKitError(.shapeMismatch, "rows × classes overflows")
        }
        let cells = rows * classes
        let target = spec.rowTarget ?? .none
        switch target {
        case .classIndex, .classIndices:
            if targetValues != nil {
                throw LossKitError(.invalidArgument, "\(spec.name): target: takes class indices (target_index), not target_values")
            }
            guard let targetIndex else {
                if rows == 0 { break }
                throw LossKitError(.nullPointer, "\(spec.name): target: class indices (target_index) are NULL")
            }
            if target == .classIndex {
                for i in 0..<rows {
                    let y = targetIndex[i]
                    guard y == ignoreIndex || (y >= 0 && y < Int64(classes)) else {
                        throw LossKitError(.indexOutOfRange,
                            "\(spec.name): target[\(i)] = \(y) is not a class index in [0, \(classes)) nor ignore_index (\(ignoreIndex))")
                    }
                }
            } else {
                for i in 0..<rows {
                    for j in 0..<classes {
                        let y = targetIndex[i * classes + j]
                        if y == -1 { break }
                        guard y >= 0 && y < Int64(classes) else {
                            throw LossKitError(.indexOutOfRange,
                                "\(spec.name): target[\(i), \(j)] = \(y) is not a class index in [0, \(classes)) nor the padding -1")
                        }
                    }
                }
            }
        case .values:
            if targetIndex != nil {
                throw LossKitError(.invalidArgument, "\(spec.name): target: takes target_values, not class indices")
            }
            guard let targetValues else {
                if rows == 0 { break }
                throw LossKitError(.nullPointer, "\(spec.name): target: target_values is NULL")
            }
            try spec.targetDomain.check(targetValues, cells, "target", loss: spec.name)
        case .none:
            if targetIndex != nil || targetValues != nil {
                throw LossKitError(.invalidArgument, "\(spec.name): takes no target; pass NULL for both target arrays")
            }
        }
        try spec.inputDomain.check(input, cells, "input", loss: spec.name)
        if let classWeight {
            guard let name = spec.classWeight else {
                throw LossKitError(.invalidArgument, "\(spec.name): takes no class weights; pass NULL")
            }
            try checkNonNegativeFinite(classWeight, classes, name)
        }
        if let sampleWeight { try checkNonNegativeFinite(sampleWeight, rows, "sample_weight") }
        if reduction == .none && losses == nil && rows > 0 {
            throw LossKitError(.nullPointer, "reduction 'none' needs an output array for the losses")
        }
    }

    /// Row i's sample weight, 0 if its class index is ignored.
    @inlinable @inline(__always)
    func rowWeight(_ i: Int, _ target: RowTarget) -> Double {
        if target == .classIndex, let targetIndex, targetIndex[i] == ignoreIndex { return 0 }
        return sampleWeight.map { Double($0[i]) } ?? 1
    }

    /// The denominator of the reduction (1 for sum and none).
    @inlinable
    func denominator(_ mean: RowMean, _ target: RowTarget) -> Double {
        guard reduction == .mean || reduction == .batchmean else { return 1 }
        var d = 0.0
        for i in 0..<rows {
            let s = rowWeight(i, target)
            if reduction == .mean && mean == .targetClassWeight, s != 0, let classWeight, let targetIndex {
                d += s * Double(classWeight[Int(targetIndex[i])])
            } else {
                d += s
            }
        }
        return reduction == .mean && mean == .elements ? d * Double(classes) : d
    }
}

/// Runs a row-wise loss over every row of a problem (already validated): rows with weight 0
/// (or an ignored target) get loss 0 and zero derivatives without being read; each other row
/// is one call of the formula, which may read and overwrite the rows after it in the same
/// block (their `slack`; a formula that writes every class skips the zeroing). Rows are taken
/// in blocks of about ``accumulationBlock`` scores (a count that depends only on the number of
/// classes) whose sums are added in block order, so the result is the same for any thread
/// count. Returns the reduced loss (for
/// ``RowReduction/none``, the sum of the losses).
@inlinable
public func evaluate<L: RowwiseLoss, T: LossScalar>(_ loss: L, _ p: RowwiseProblem<T>) -> Double {
    let target = L.spec.rowTarget ?? .none
    let denominator = p.denominator(L.mean, target)
    let inverse = denominator > 0 ? 1 / denominator : 0
    let C = p.classes
    let rowsPerBlock = Swift.max(1, accumulationBlock / Swift.max(C, 1))
    let blocks = (p.rows + rowsPerBlock - 1) / rowsPerBlock
    let perElement = L.elementLosses && p.reduction == .none
    let total = Parallel.sum(blocks: blocks) { b in
        var sum = 0.0
        let end = Swift.min((b + 1) * rowsPerBlock, p.rows)
        for i in (b * rowsPerBlock)..<end {
            // The following rows of the block: this thread handles them next, in order.
            let slack = (end - i - 1) * C
            let grad = p.grad.map { $0 + i * C }
            let hess = p.hess.map { $0 + i * C }
            let s = p.rowWeight(i, target)
            if !L.writesEveryClass || s == 0 {
                grad?.update(repeating: 0, count: C)
                hess?.update(repeating: 0, count: C)
            }
            guard s != 0 else {
                if p.reduction == .none {
                    if perElement { (p.losses! + i * C).update(repeating: 0, count: C) } else { p.losses![i] = 0 }
                }
                continue
            }
            let row = Row(z: p.input + i * C, classes: C,
                          index: target == .classIndex ? Int(p.targetIndex![i]) : -1,
                          indices: target == .classIndices ? p.targetIndex! + i * C : nil,
                          values: target == .values ? p.targetValues! + i * C : nil,
                          classWeight: p.classWeight, slack: slack)
            let out = RowOutputs(grad: grad, hess: hess, scale: s * inverse,
                                 elementLosses: perElement ? p.losses! + i * C : nil, lossScale: s,
                                 slack: slack)
            let rowLoss = s * loss.row(row, out)
            if p.reduction == .none && !perElement { p.losses![i] = T(rowLoss) }
            sum += rowLoss
        }
        return sum
    }
    switch p.reduction {
    case .mean, .batchmean: return denominator > 0 ? total / denominator : 0
    case .sum, .none: return total
    }
}
