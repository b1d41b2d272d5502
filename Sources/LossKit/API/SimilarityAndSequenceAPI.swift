/// NT-Xent (``NTXent``, the SimCLR/InfoNCE loss) of `labels.count` embeddings of `dim` values
/// (row-major), with the same validation and kernel as the C ABI's `lk_ntxent`. Embeddings
/// with equal labels are positive pairs; every other embedding is a negative.
///
///     let r = try ntXent(embeddings: [1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9] as [Double], dim: 2,
///                        labels: [0, 0, 1, 1], temperature: 0.5)
///
/// - Returns: per-anchor losses for ``Reduction/none``, and the gradient with respect to the
///   embeddings (``LossResult/hess`` is empty: the driver computes no Hessian).
/// - Throws: ``LossKitError`` for mismatched lengths or a temperature out of range.
public func ntXent<T: LossScalar>(
    embeddings: [T], dim: Int, labels: [Int], temperature: Double = 0.07, reduction: Reduction = .mean
) throws(LossKitError) -> LossResult<T> {
    guard dim >= 0, labels.count.multipliedReportingOverflow(by: dim) == (embeddings.count, false) else {
        throw LossKitError(.shapeMismatch,
            "embeddings has \(embeddings.count) values, which is not labels.count (\(labels.count)) × dim (\(dim))")
    }
    let count = labels.count
    let index = labels.map(Int64.init)
    var losses = [T](repeating: 0, count: reduction == .none ? count : 0)
    var grad = [T](repeating: 0, count: embeddings.count)
    let total = try embeddings.withUnsafeBufferPointer { x throws(LossKitError) in
        try index.withUnsafeBufferPointer { y throws(LossKitError) in
            try losses.withUnsafeMutableBufferPointer { l throws(LossKitError) in
                try grad.withUnsafeMutableBufferPointer { g throws(LossKitError) in
                    let problem = NTXentProblem<T>(
                        count: count, dim: dim, embeddings: x.baseAddress ?? placeholder(),
                        labels: y.baseAddress ?? placeholder(), temperature: temperature, reduction: reduction,
                        losses: l.baseAddress, grad: g.baseAddress)
                    try problem.validate()
                    return try T.evaluate(problem)
                }
            }
        }
    }
    return LossResult(loss: total, losses: losses, grad: grad, hess: [])
}

/// The targets of a CTC batch, in either of PyTorch's layouts.
public enum CTCTargets: Sendable {
    /// batch × `length` labels, sequence n's target being the first `targetLengths[n]` of row n.
    case padded([Int], length: Int)
    /// The targets of all sequences one after another (their lengths add up to the count).
    case concatenated([Int])
}

/// Connectionist temporal classification with PyTorch's `ctc_loss` layout and semantics (see
/// ``CTCProblem``), with the same validation and kernel as the C ABI's `lk_ctc`.
///
///     // 2 frames, 1 sequence, 2 classes (blank 0); log-probabilities log(0.5) everywhere
///     let r = try ctcLoss(logProbs: [Double](repeating: -0.6931471805599453, count: 4), frames: 2,
///                         classes: 2, targets: .concatenated([1]), inputLengths: [2], targetLengths: [1])
///
/// - Parameters:
///   - logProbs: frames × batch × `classes` log-probabilities, row-major.
///   - sampleWeight: nil, or one weight per sequence.
/// - Returns: per-sequence losses for ``Reduction/none``, and the gradient with respect to
///   `logProbs` (``LossResult/hess`` is empty: the driver computes no Hessian).
/// - Throws: ``LossKitError`` for mismatched lengths, lengths out of range, labels that are not
///   classes or are the blank, or bad weights.
public func ctcLoss<T: LossScalar>(
    logProbs: [T], frames: Int, classes: Int, targets: CTCTargets, inputLengths: [Int], targetLengths: [Int],
    blank: Int = 0, zeroInfinity: Bool = false, sampleWeight: [T]? = nil, reduction: Reduction = .mean
) throws(LossKitError) -> LossResult<T> {
    let batch = inputLengths.count
    let (perFrame, o1) = batch.multipliedReportingOverflow(by: classes)
    let (cells, o2) = frames.multipliedReportingOverflow(by: perFrame)
    guard frames >= 0, classes > 0, !o1, !o2, cells == logProbs.count else {
        throw LossKitError(.shapeMismatch,
            "log_probs has \(logProbs.count) values, which is not frames (\(frames)) × batch (\(batch)) × classes (\(classes))")
    }
    guard targetLengths.count == batch else {
        throw LossKitError(.shapeMismatch, "target_lengths has \(targetLengths.count) values, input_lengths \(batch)")
    }
    if let sampleWeight, sampleWeight.count != batch {
        throw LossKitError(.shapeMismatch, "sample_weight has \(sampleWeight.count) values, expected \(batch)")
    }
    let (labels, stride): ([Int], Int)
    switch targets {
    case .padded(let y, let length):
        guard length > 0 else { throw LossKitError(.shapeMismatch, "targets: the padded length must be > 0, got \(length)") }
        (labels, stride) = (y, length)
    case .concatenated(let y): (labels, stride) = (y, 0)
    }
    let index = labels.map(Int64.init), inputs = inputLengths.map(Int64.init), lengths = targetLengths.map(Int64.init)
    var losses = [T](repeating: 0, count: reduction == .none ? batch : 0)
    var grad = [T](repeating: 0, count: logProbs.count)
    let total = try logProbs.withUnsafeBufferPointer { x throws(LossKitError) in
        try index.withUnsafeBufferPointer { y throws(LossKitError) in
            try inputs.withUnsafeBufferPointer { il throws(LossKitError) in
                try lengths.withUnsafeBufferPointer { tl throws(LossKitError) in
                    try (sampleWeight ?? []).withUnsafeBufferPointer { w throws(LossKitError) in
                        try losses.withUnsafeMutableBufferPointer { l throws(LossKitError) in
                            try grad.withUnsafeMutableBufferPointer { g throws(LossKitError) in
                                let problem = CTCProblem<T>(
                                    frames: frames, batch: batch, classes: classes, logProbs: x.baseAddress ?? placeholder(),
                                    targets: y.baseAddress ?? placeholder(), targetCount: labels.count, targetStride: stride,
                                    inputLengths: il.baseAddress ?? placeholder(),
                                    targetLengths: tl.baseAddress ?? placeholder(), blank: Int64(blank),
                                    zeroInfinity: zeroInfinity,
                                    sampleWeight: sampleWeight == nil ? nil : (w.baseAddress ?? placeholder()),
                                    reduction: reduction, losses: l.baseAddress, grad: g.baseAddress)
                                try problem.validate()
                                return try T.evaluate(problem)
                            }
                        }
                    }
                }
            }
        }
    }
    return LossResult(loss: total, losses: losses, grad: grad, hess: [])
}
