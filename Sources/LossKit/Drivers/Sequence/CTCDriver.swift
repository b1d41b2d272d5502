/// One CTC evaluation with PyTorch's `ctc_loss` layout and semantics: `logProbs` is
/// (frames, batch, classes) row-major; sequence n uses its first `inputLengths[n]` frames and
/// the target `targets[offset_n ..< offset_n + targetLengths[n]]`, where offset_n = n·S for the
/// padded layout (`targetStride` = S > 0, targets (batch, S)) and the running sum of the target
/// lengths for the concatenated layout (`targetStride` = 0).
///
/// Reductions: 'none' gives s_n·l_n, 'sum' Σ s_n·l_n, 'mean' Σ s_n·l_n / max(len_n, 1) / Σ s_n
/// (PyTorch's: each loss divided by its target length, then the batch mean; s = sample weights,
/// 1 by default; 0 when Σ s = 0 or the batch is empty, where PyTorch gives NaN). An impossible
/// alignment has loss +inf and a NaN gradient on its frames, as PyTorch; with `zeroInfinity`
/// its loss and gradient are 0. Gradient rows past a sequence's input length are 0.
public struct CTCProblem<T: LossScalar> {
    public var frames: Int
    public var batch: Int
    public var classes: Int
    public var logProbs: UnsafePointer<T>
    public var targets: UnsafePointer<Int64>
    public var targetCount: Int
    public var targetStride: Int
    public var inputLengths: UnsafePointer<Int64>
    public var targetLengths: UnsafePointer<Int64>
    public var blank: Int64
    public var zeroInfinity: Bool
    public var sampleWeight: UnsafePointer<T>?
    public var reduction: Reduction
    public var losses: UnsafeMutablePointer<T>?
    public var grad: UnsafeMutablePointer<T>?

    public init(frames: Int, batch: Int, classes: Int, logProbs: UnsafePointer<T>,
                targets: UnsafePointer<Int64>, targetCount: Int, targetStride: Int,
                inputLengths: UnsafePointer<Int64>, targetLengths: UnsafePointer<Int64>,
                blank: Int64 = 0, zeroInfinity: Bool = false, sampleWeight: UnsafePointer<T>? = nil,
                reduction: Reduction = .mean, losses: UnsafeMutablePointer<T>? = nil,
                grad: UnsafeMutablePointer<T>? = nil) {
        self.frames = frames
        self.batch = batch
        self.classes = classes
        self.logProbs = logProbs
        self.targets = targets
        self.targetCount = targetCount
        self.targetStride = targetStride
        self.inputLengths = inputLengths
        self.targetLengths = targetLengths
        self.blank = blank
        self.zeroInfinity = zeroInfinity
        self.sampleWeight = sampleWeight
        self.reduction = reduction
        self.losses = losses
        self.grad = grad
    }

    /// Checks sizes, lengths, the blank, every target label used and the weights before any
    /// frame is read. Labels past a sequence's target length (padding) are not read.
    public func validate() throws(LossKitError) {
        guard frames >= 0, batch >= 0, classes >= 0, targetCount >= 0, targetStride >= 0 else {
            throw LossKitError(.shapeMismatch, "frames, batch, classes and target sizes must be >= 0")
        }
        let (fb, o1) = frames.multipliedReportingOverflow(by: batch)
        let (cells, o2) = fb.multipliedReportingOverflow(by: classes)
        guard !o1, !o2, cells <= Int.max / 8 else { throw LossKitError(.shapeMismatch, "frames × batch × classes overflows") }
        guard classes > 0 || fb == 0 else { throw LossKitError(.shapeMismatch, "log_probs must have at least one class") }
        guard blank >= 0 && blank < Int64(Swift.max(classes, 1)) else {
            throw LossKitError(.invalidArgument, "blank = \(blank) is not a class index in [0, \(classes))")
        }
        if targetStride > 0 {
            let (want, o) = batch.multipliedReportingOverflow(by: targetStride)
            guard !o, want == targetCount else {
                throw LossKitError(.shapeMismatch, "targets: the padded layout needs batch × S = \(batch) × \(targetStride) labels, got \(targetCount)")
            }
        }
        var sum = 0
        for n in 0..<batch {
            let il = inputLengths[n], tl = targetLengths[n]
            guard il >= 0 && il <= Int64(frames) else {
                throw LossKitError(.invalidArgument, "input_lengths[\(n)] = \(il) is not in [0, T = \(frames)]")
            }
            guard tl >= 0 else { throw LossKitError(.invalidArgument, "target_lengths[\(n)] = \(tl) is negative") }
            if targetStride > 0 {
                guard tl <= Int64(targetStride) else {
                    throw LossKitError(.invalidArgument, "target_lengths[\(n)] = \(tl) exceeds the padded target length S = \(targetStride)")
                }
            } else {
                guard tl <= Int64(targetCount - sum) else {
                    throw LossKitError(.shapeMismatch, "target_lengths: they add up to more than the \(targetCount) concatenated targets")
                }
            }
            let offset = targetStride > 0 ? n * targetStride : sum
            for k in 0..<Int(tl) {
                let y = targets[offset + k]
                guard y >= 0 && y < Int64(classes) else {
                    throw LossKitError(.indexOutOfRange, "targets: label \(y) of sequence \(n) is not a class index in [0, \(classes))")
                }
                guard y != blank else {
                    throw LossKitError(.invalidArgument, "targets: label \(k) of sequence \(n) is the blank (\(blank))")
                }
            }
            sum += Int(tl)
        }
        if targetStride == 0 && sum != targetCount {
            throw LossKitError(.shapeMismatch, "target_lengths add up to \(sum) but there are \(targetCount) concatenated targets")
        }
        if let sampleWeight { try checkNonNegativeFinite(sampleWeight, batch, "sample_weight") }
        if reduction == .none && losses == nil && batch > 0 {
            throw LossKitError(.nullPointer, "reduction 'none' needs an output array for the losses")
        }
    }
}

/// Runs CTC over every sequence of a ``CTCProblem``, one sequence per block (its own α table,
/// in `Double`), block sums added in order: the result is the same for any thread count.
/// Returns the reduced loss (for ``Reduction/none``, the sum of the sequence losses).
///
/// Scratch (``CTC/scratchCount(frames:targetLength:classes:gradient:)`` doubles per thread, for
/// the longest sequence) is allocated before anything is written: a loss alone needs two frames
/// of α per sequence, a gradient the whole T × (2S + 1) table, which can be more memory than
/// there is (``LossKitStatus/outOfMemory``, outputs untouched).
@inlinable
public func evaluate<T: LossScalar>(_ p: CTCProblem<T>) throws(LossKitError) -> Double {
    let batch = p.batch
    guard batch > 0 else { return 0 }
    let offsets = try allocateScratch(batch, of: Int.self, for: "the CTC target offsets")
    defer { releaseScratch(offsets) }
    var denominator = 0.0
    var largest = 0, largestSequence = 0, cells = 0
    for n in 0..<batch {
        let tl = Int(p.targetLengths[n])
        offsets[n] = n == 0 ? 0 : p.targetStride > 0 ? n * p.targetStride : offsets[n - 1] + Int(p.targetLengths[n - 1])
        let w = Double(p.sampleWeight?[n] ?? 1)
        denominator += w
        let need = w == 0 ? 0 : CTC.scratchCount(frames: Int(p.inputLengths[n]), targetLength: tl,
                                                  classes: p.classes, gradient: p.grad != nil)
        if need > largest { (largest, largestSequence) = (need, n) }
        cells = Swift.max(cells, scratchCount(Int(p.inputLengths[n]), scratchCount(2, tl, plus: 1)))
    }
    // A sequence is frames × states cells of a few exps each: a thread is worth waking for
    // as many cells as minimumBlocksPerThread blocks of 2048 elements.
    let perThread = Parallel.minimumBlocksPerThread * 2048 / Swift.max(cells, 1)
    if p.reduction != .mean { denominator = 1 }
    let scale = denominator > 0 ? 1 / denominator : 0
    let rowStride = p.batch * p.classes
    let (memory, threads) = try allocatePerRun(
        Parallel.threads(forBlocks: batch, minimum: perThread), count: largest, of: Double.self,
        for: "the CTC \(p.grad == nil ? "forward variables (two frames)" : "α table") of sequence \(largestSequence): "
            + "\(p.inputLengths[largestSequence]) frames × \(2 * p.targetLengths[largestSequence] + 1) states")
    defer { releaseScratch(memory) }
    nonisolated(unsafe) let scratch = memory
    let total = Parallel.sum(blocks: batch, threads: threads) { n, run in
        let frames = Int(p.inputLengths[n]), length = Int(p.targetLengths[n])
        let w = Double(p.sampleWeight?[n] ?? 1)
        let lengthScale = p.reduction == .mean ? 1 / Double(Swift.max(length, 1)) : 1
        let g = p.grad.map { $0 + n * p.classes }
        // Rows past the input length get 0; so does everything when the weight is 0.
        if let g { for t in frames..<p.frames { (g + t * rowStride).update(repeating: 0, count: p.classes) } }
        guard w != 0 else {
            if let g { for t in 0..<frames { (g + t * rowStride).update(repeating: 0, count: p.classes) } }
            if p.reduction == .none { p.losses![n] = 0 }
            return 0
        }
        var loss = CTC.sequence(
            frames: frames, classes: p.classes, blank: Int(p.blank), targetLength: length,
            labels: p.targets + offsets[n], logProbs: p.logProbs + n * p.classes,
            scratch: scratch + run * largest, grad: g, stride: rowStride,
            scale: w * lengthScale * scale)
        if loss == .infinity, let g {
            let fill: T = p.zeroInfinity ? 0 : .nan
            for t in 0..<frames { (g + t * rowStride).update(repeating: fill, count: p.classes) }
        }
        if loss == .infinity && p.zeroInfinity { loss = 0 }
        let weighted = w * loss
        if p.reduction == .none { p.losses![n] = T(weighted) }
        return weighted * lengthScale
    }
    return total * scale
}
