import LossKit

@c
public func lk_embedding(
    _ loss: Int32, _ params: UnsafePointer<Double>?, _ nParams: UInt, _ flags: Int32,
    _ dtype: Int32, _ rows: UInt, _ dim: UInt,
    _ input1: UnsafeRawPointer?, _ input2: UnsafeRawPointer?, _ input3: UnsafeRawPointer?,
    _ target: UnsafeRawPointer?, _ sampleWeight: UnsafeRawPointer?, _ reduction: Int32,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad1: UnsafeMutableRawPointer?, _ grad2: UnsafeMutableRawPointer?, _ grad3: UnsafeMutableRawPointer?
) -> Int32 {
    guarded { () throws(LossKitError) in
        let type = try Catalogue.embeddingLoss(id: Int(loss))
        let paramCount = type.spec.parameters.count
        guard nParams == UInt(paramCount) else {
            throw LossKitError(.invalidArgument,
                "n_params: \(type.spec.name) takes \(paramCount) parameter(s), got \(nParams)")
        }
        let values = try required(params, "params", count: paramCount)
            .map { Array(UnsafeBufferPointer(start: $0, count: paramCount)) } ?? []
        try type.spec.validate(values)
        let allowed: Int32 = type.takesSwap ? 1 : 0
        guard flags & ~allowed == 0 else {
            throw LossKitError(.invalidArgument, "flags: \(type.spec.name) accepts \(allowed == 0 ? "no flags" : "only LK_EMBEDDING_SWAP"), got \(flags)")
        }
        let reduction = try LossKitCABI.reduction(reduction)
        let rowCount = try length(rows, "rows")
        let dimCount = try length(dim, "dim")
        let (cells, overflow) = rowCount.multipliedReportingOverflow(by: dimCount)
        guard !overflow, cells <= Int.max / 8 else {
            throw LossKitError(.shapeMismatch, "rows × dim = \(rows) × \(dim) is larger than any array can be")
        }
        let x0 = try required(input1, "input1", count: cells)
        try withScalarType(dtype) { (scalar) throws(LossKitError) in
            try runEmbedding(type, scalar, values, flags & 1 != 0, rowCount, dimCount, x0, input2, input3,
                             target, sampleWeight, reduction, lossOut, losses, grad1, grad2, grad3)
        }
    }
}

/// The typed body of ``lk_embedding``.
private func runEmbedding<L: EmbeddingLoss, T: LossScalar>(
    _: L.Type, _: T.Type, _ values: [Double], _ swap: Bool, _ rows: Int, _ dim: Int,
    _ x0: UnsafeRawPointer?, _ x1: UnsafeRawPointer?, _ x2: UnsafeRawPointer?,
    _ target: UnsafeRawPointer?, _ sampleWeight: UnsafeRawPointer?, _ reduction: Reduction,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ g0: UnsafeMutableRawPointer?, _ g1: UnsafeMutableRawPointer?, _ g2: UnsafeMutableRawPointer?
) throws(LossKitError) {
    let empty = UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
    let cells = rows * dim
    // With no values an array may be NULL: stand in a valid address (nothing is read).
    func input(_ p: UnsafeRawPointer?, _ k: Int) -> UnsafePointer<T>? {
        k < L.arity ? (typed(p, T.self) ?? (cells == 0 ? empty : nil)) : typed(p, T.self)
    }
    let problem = EmbeddingProblem<T>(
        rows: rows, dim: dim, x0: typed(x0, T.self) ?? empty, x1: input(x1, 1), x2: input(x2, 2),
        target: typed(target, T.self) ?? (L.takesTarget && rows == 0 ? empty : nil),
        sampleWeight: typed(sampleWeight, T.self), reduction: reduction,
        losses: typed(losses, T.self), grad0: typed(g0, T.self), grad1: typed(g1, T.self),
        grad2: typed(g2, T.self))
    try problem.validate(for: L.self)
    deliver(T.evaluate(L.self, parameters: values, swap: swap, problem), to: lossOut)
}

@c
public func lk_ntxent(
    _ dtype: Int32, _ n: UInt, _ dim: UInt, _ embeddings: UnsafeRawPointer?,
    _ labels: UnsafePointer<Int64>?, _ temperature: Double, _ reduction: Int32,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?
) -> Int32 {
    guarded { () throws(LossKitError) in
        let count = try length(n, "n")
        let dimCount = try length(dim, "dim")
        let (cells, overflow) = count.multipliedReportingOverflow(by: dimCount)
        guard !overflow, cells <= Int.max / 8 else {
            throw LossKitError(.shapeMismatch, "n × dim = \(n) × \(dim) is larger than any array can be")
        }
        let reduction = try LossKitCABI.reduction(reduction)
        let embeddings = try required(embeddings, "embeddings", count: cells)
        let labels = try required(labels, "labels", count: count)
        try withScalarType(dtype) { (scalar) throws(LossKitError) in
            try runNTXent(scalar, count, dimCount, embeddings, labels, temperature, reduction, lossOut, losses, grad)
        }
    }
}

private func runNTXent<T: LossScalar>(
    _: T.Type, _ n: Int, _ dim: Int, _ embeddings: UnsafeRawPointer?, _ labels: UnsafePointer<Int64>?,
    _ temperature: Double, _ reduction: Reduction, _ lossOut: UnsafeMutablePointer<Double>?,
    _ losses: UnsafeMutableRawPointer?, _ grad: UnsafeMutableRawPointer?
) throws(LossKitError) {
    let problem = NTXentProblem<T>(
        count: n, dim: dim,
        embeddings: typed(embeddings, T.self) ?? UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!,
        labels: labels ?? UnsafePointer<Int64>(bitPattern: MemoryLayout<Int64>.alignment)!,
        temperature: temperature, reduction: reduction,
        losses: typed(losses, T.self), grad: typed(grad, T.self))
    try problem.validate()
    deliver(try T.evaluate(problem), to: lossOut)
}

@c
public func lk_ctc(
    _ dtype: Int32, _ frames: UInt, _ batch: UInt, _ classes: UInt, _ logProbs: UnsafeRawPointer?,
    _ targets: UnsafePointer<Int64>?, _ nTargets: UInt, _ targetStride: UInt,
    _ inputLengths: UnsafePointer<Int64>?, _ targetLengths: UnsafePointer<Int64>?,
    _ blank: Int64, _ zeroInfinity: Int32, _ sampleWeight: UnsafeRawPointer?, _ reduction: Int32,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?
) -> Int32 {
    guarded { () throws(LossKitError) in
        let t = try length(frames, "frames"), n = try length(batch, "batch"), c = try length(classes, "classes")
        let targetCount = try length(nTargets, "n_targets"), stride = try length(targetStride, "target_stride")
        let (fb, o1) = t.multipliedReportingOverflow(by: n)
        let (cells, o2) = fb.multipliedReportingOverflow(by: c)
        guard !o1, !o2, cells <= Int.max / 8 else {
            throw LossKitError(.shapeMismatch, "frames × batch × classes is larger than any array can be")
        }
        guard zeroInfinity == 0 || zeroInfinity == 1 else {
            throw LossKitError(.invalidArgument, "zero_infinity must be 0 or 1, got \(zeroInfinity)")
        }
        let reduction = try LossKitCABI.reduction(reduction)
        let logProbs = try required(logProbs, "log_probs", count: cells)
        let targets = try required(targets, "targets", count: targetCount)
        let inputLengths = try required(inputLengths, "input_lengths", count: n)
        let targetLengths = try required(targetLengths, "target_lengths", count: n)
        try withScalarType(dtype) { (scalar) throws(LossKitError) in
            try runCTC(scalar, t, n, c, logProbs, targets, targetCount, stride, inputLengths, targetLengths,
                       blank, zeroInfinity != 0, sampleWeight, reduction, lossOut, losses, grad)
        }
    }
}

private func runCTC<T: LossScalar>(
    _: T.Type, _ frames: Int, _ batch: Int, _ classes: Int, _ logProbs: UnsafeRawPointer?,
    _ targets: UnsafePointer<Int64>?, _ targetCount: Int, _ stride: Int,
    _ inputLengths: UnsafePointer<Int64>?, _ targetLengths: UnsafePointer<Int64>?,
    _ blank: Int64, _ zeroInfinity: Bool, _ sampleWeight: UnsafeRawPointer?, _ reduction: Reduction,
    _ lossOut: UnsafeMutablePointer<Double>?, _ losses: UnsafeMutableRawPointer?,
    _ grad: UnsafeMutableRawPointer?
) throws(LossKitError) {
    let noIndex = UnsafePointer<Int64>(bitPattern: MemoryLayout<Int64>.alignment)!
    let problem = CTCProblem<T>(
        frames: frames, batch: batch, classes: classes,
        logProbs: typed(logProbs, T.self) ?? UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!,
        targets: targets ?? noIndex, targetCount: targetCount, targetStride: stride,
        inputLengths: inputLengths ?? noIndex, targetLengths: targetLengths ?? noIndex,
        blank: blank, zeroInfinity: zeroInfinity, sampleWeight: typed(sampleWeight, T.self),
        reduction: reduction, losses: typed(losses, T.self), grad: typed(grad, T.self))
    try problem.validate()
    deliver(try T.evaluate(problem), to: lossOut)
}
