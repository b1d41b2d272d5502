/// An ``EmbeddingLoss`` of one score per sample (``EmbeddingLoss/rowLength`` 1, such as
/// `margin_ranking_loss` and `hinge_embedding_loss`), written once on vectors of 8 samples.
///
/// Through the row driver a row of one value was almost all per-row overhead (margin ranking
/// ran at 0.43x PyTorch's speed); ``evaluateScores(_:_:)`` instead runs 8 samples per step.
/// The per-row ``EmbeddingLoss/evaluate(_:scale:)`` comes from the same formula.
public protocol ScoreLoss: EmbeddingLoss {
    /// Per lane, at scores x0 and x1 (x1 is x0 for losses of one input) and labels y: the loss
    /// and its derivatives with respect to x0 and x1 (the latter unused for one input).
    func evaluate(_ x0: RowVector, _ x1: RowVector, label y: RowVector)
        -> (loss: RowVector, grad0: RowVector, grad1: RowVector)
}

extension ScoreLoss {
    public static var rowLength: Int? { 1 }

    @inlinable
    public func evaluate<T: LossScalar>(_ r: EmbeddingRows<T>, scale: Double) -> Double {
        let terms = evaluate(RowVector(repeating: Double(r.x0[0])), RowVector(repeating: Double(r.x1[0])),
                             label: RowVector(repeating: r.label))
        r.grad0?[0] = T(scale * terms.grad0[0])
        r.grad1?[0] = T(scale * terms.grad1[0])
        return terms.loss[0]
    }

    @inlinable
    public static func evaluate(parameters: [Double], swap: Bool, _ problem: EmbeddingProblem<Float>) -> Double {
        evaluateScores(Self(parameters: parameters, swap: swap), problem)
    }

    @inlinable
    public static func evaluate(parameters: [Double], swap: Bool, _ problem: EmbeddingProblem<Double>) -> Double {
        evaluateScores(Self(parameters: parameters, swap: swap), problem)
    }
}

/// Runs a ``ScoreLoss`` over every sample of an ``EmbeddingProblem`` (dim 1), 8 samples per
/// step, with the row driver's conventions: s·l per sample, derivatives scaled by s and the
/// reduction, a sample of weight 0 contributing nothing (NaN scores included). Samples are taken
/// in blocks of ``accumulationBlock``, each summed in `Double` and the blocks added in order, so
/// the result is the same for any thread count.
@inlinable
public func evaluateScores<L: ScoreLoss, T: LossScalar>(_ loss: L, _ p: EmbeddingProblem<T>) -> Double {
    let denominator = p.reduction == .mean ? p.meanDenominator : 1
    let scale = denominator > 0 ? 1 / denominator : 0
    let blocks = (p.rows + accumulationBlock - 1) / accumulationBlock
    let total = Parallel.sum(blocks: blocks) { b in
        let end = Swift.min((b + 1) * accumulationBlock, p.rows)
        var acc = RowVector(), i = b * accumulationBlock
        while i < end {
            let lanes = Swift.min(RowVector.scalarCount, end - i)
            acc += scoreStep(loss, p, i, lanes, scale)
            i += lanes
        }
        return acc._sumInDouble()
    }
    return p.reduction == .mean ? (denominator > 0 ? total / denominator : 0) : total
}

/// Samples [i, i + lanes) of ``evaluateScores(_:_:)``: writes their outputs and returns their
/// weighted losses, 0 in padding lanes.
@inlinable @inline(__always)
func scoreStep<L: ScoreLoss, T: LossScalar>(_ loss: L, _ p: EmbeddingProblem<T>, _ i: Int, _ lanes: Int,
                                            _ scale: Double) -> RowVector {
    let x0 = wide(p.x0, i, lanes)
    let x1 = p.x1.map { wide($0, i, lanes) } ?? x0
    let y = p.target.map { wide($0, i, lanes) } ?? RowVector(repeating: 1)
    let s = p.sampleWeight.map { wide($0, i, lanes) } ?? RowVector(repeating: 1)
    let terms = loss.evaluate(x0, x1, label: y)
    // Weight 0 and padding lanes give nothing, whatever the formula gave there (NaN included).
    let off = (s .== 0) .| (SIMD8<Int64>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int64>(repeating: Int64(lanes)))
    let derivativeScale = s * scale
    if let g = p.grad0 { storeNarrowed((derivativeScale * terms.grad0).replacing(with: 0, where: off), g, i, lanes) }
    if let g = p.grad1 { storeNarrowed((derivativeScale * terms.grad1).replacing(with: 0, where: off), g, i, lanes) }
    let weighted = (s * terms.loss).replacing(with: 0, where: off)
    if p.reduction == .none { storeNarrowed(weighted, p.losses!, i, lanes) }
    return weighted
}
