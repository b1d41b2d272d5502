/// The arrays and options of one segmentation-loss evaluation: `batch` samples of `classes`
/// score maps of `spatial` values each (PyTorch's (N, C, d1, ...) layout, contiguous, with the
/// spatial axes flattened), and either a class map (`targetIndex`, (N, d1, ...)) or a target
/// map of the input's shape (`targetValues`, one-hot or probabilities in [0, 1]).
///
/// The loss of sample n is the mean over the classes kept (all, or all but class 0 with
/// `ignore_background`) of w_c · l(TP_nc, FP_nc, FN_nc); reductions over samples follow the
/// library's rule: 'none' gives s_n·L_n per sample, 'sum' Σ s_n·L_n and 'mean'
/// Σ s_n·L_n / Σ s_n (0 with zero derivatives when Σ s_n = 0 or there are no samples).
public struct OverlapProblem<T: LossScalar> {
    public var batch: Int
    public var classes: Int
    public var spatial: Int
    public var input: UnsafePointer<T>
    public var targetIndex: UnsafePointer<Int64>?
    public var targetValues: UnsafePointer<T>?
    public var classWeight: UnsafePointer<T>?
    public var sampleWeight: UnsafePointer<T>?
    public var reduction: Reduction
    /// Per-sample (weighted) losses; written only for ``Reduction/none``.
    public var losses: UnsafeMutablePointer<T>?
    public var grad: UnsafeMutablePointer<T>?
    public var hess: UnsafeMutablePointer<T>?

    public init(batch: Int, classes: Int, spatial: Int, input: UnsafePointer<T>,
                targetIndex: UnsafePointer<Int64>? = nil, targetValues: UnsafePointer<T>? = nil,
                classWeight: UnsafePointer<T>? = nil, sampleWeight: UnsafePointer<T>? = nil,
                reduction: Reduction = .mean, losses: UnsafeMutablePointer<T>? = nil,
                grad: UnsafeMutablePointer<T>? = nil, hess: UnsafeMutablePointer<T>? = nil) {
        self.batch = batch
        self.classes = classes
        self.spatial = spatial
        self.input = input
        self.targetIndex = targetIndex
        self.targetValues = targetValues
        self.classWeight = classWeight
        self.sampleWeight = sampleWeight
        self.reduction = reduction
        self.losses = losses
        self.grad = grad
        self.hess = hess
    }

    /// Checks sizes, the target (exactly one form; class indices in [0, C), or 0/1 for one
    /// class; values in [0, 1]), probabilities in [0, 1] when the input is not logits, and
    /// the weights, before any sum is taken.
    public func validate<L: OverlapLoss>(_ loss: L) throws(LossKitError) {
        let name = L.spec.name
        guard batch >= 0, classes >= 0, spatial >= 0 else {
            throw LossKitError(.shapeMismatch, "batch, classes and spatial must be >= 0")
        }
        let (bc, o1) = batch.multipliedReportingOverflow(by: classes)
        let (cells, o2) = bc.multipliedReportingOverflow(by: spatial)
        guard !o1, !o2, cells <= Int.max / 8 else {
            throw LossKitError(.shapeMismatch, "batch × classes × spatial is larger than any array can be")
        }
        if batch > 0 && spatial > 0 && classes == 0 {
            throw LossKitError(.shapeMismatch, "\(name): classes must be >= 1")
        }
        switch (targetIndex, targetValues) {
        case (nil, nil):
            if cells > 0 { throw LossKitError(.nullPointer, "target: \(name) needs a class map or a target map") }
        case (.some, .some):
            throw LossKitError(.invalidArgument, "target: pass either class indices or target values, not both")
        case (let index?, nil):
            let upper: Int64 = classes == 1 ? 2 : Int64(classes)
            for i in 0..<(batch * spatial) where !(index[i] >= 0 && index[i] < upper) {
                throw LossKitError(.indexOutOfRange,
                    "\(name): target[\(i)] = \(index[i]) is out of range [0, \(upper))"
                        + (classes == 1 ? " (with one class the class map is a 0/1 mask)" : ""))
            }
        case (nil, let values?):
            try L.spec.targetDomain.check(values, cells, "target", loss: name)
        }
        if !loss.applySoftmax {
            try Domain.unitInterval.check(input, cells, "input", loss: name + " (apply_softmax=False: probabilities)")
        }
        if let classWeight {
            if L.targetFrequencyWeights {
                throw LossKitError(.invalidArgument, "class_weights: \(name) computes its class weights from the targets")
            }
            try checkNonNegativeFinite(classWeight, classes, "class_weights")
        }
        if let sampleWeight { try checkNonNegativeFinite(sampleWeight, batch, "sample_weight") }
        if reduction == .none && losses == nil && batch > 0 {
            throw LossKitError(.nullPointer, "reduction 'none' needs an output array for the losses")
        }
    }

    @inlinable @inline(__always)
    func target(_ n: Int, _ c: Int, _ j: Int) -> Double {
        if let targetIndex {
            let label = targetIndex[n * spatial + j]
            return classes == 1 ? Double(label) : (label == Int64(c) ? 1 : 0)
        }
        return Double(targetValues![(n * classes + c) * spatial + j])
    }

    /// The probabilities of pixel j of sample n, into `p[0..<classes]`: softmax over the
    /// classes (sigmoid for one class) of the logits, or the input itself.
    @inlinable @inline(__always)
    func probabilities(_ n: Int, _ j: Int, softmax: Bool, _ p: UnsafeMutablePointer<Double>) {
        let base = n * classes * spatial + j
        if !softmax {
            for c in 0..<classes { p[c] = Double(input[base + c * spatial]) }
        } else if classes == 1 {
            p[0] = 1 / (1 + Double._exp(-Double(input[base])))
        } else {
            var m = -Double.infinity
            for c in 0..<classes { m = Swift.max(m, Double(input[base + c * spatial])) }
            var total = 0.0
            for c in 0..<classes {
                let e = Double._exp(Double(input[base + c * spatial]) - m)
                p[c] = e
                total += e
            }
            for c in 0..<classes { p[c] /= total }
        }
    }
}

/// Runs an ``OverlapLoss`` over an ``OverlapProblem`` in two passes. Pass 1 accumulates, per
/// sample and class, Σ p·t, Σ p and Σ t over the spatial axes in `Double`, pixel by pixel in
/// order (one block per sample, so the sums do not depend on the thread count). Then each
/// (sample, class) gets its loss and its derivatives with respect to (TP, FP, FN), scaled by
/// s_n·w_c / (C' · denominator). Pass 2, only when derivatives are asked for, recomputes each
/// pixel's probabilities and applies the chain rule: ∂/∂p via ``OverlapTerms/along(target:)``,
/// then through the softmax (or sigmoid). Returns the reduced loss (for ``Reduction/none``,
/// the sum of the per-sample losses). Memory, allocated before anything is written: 3·N·C + C
/// doubles of sums and class weights, N·C ``OverlapTerms`` for the derivatives and 3·C doubles
/// per thread.
@inlinable
public func evaluate<L: OverlapLoss, T: LossScalar>(_ loss: L, _ p: OverlapProblem<T>) throws(LossKitError) -> Double {
    let n = p.batch, c = p.classes, s = p.spatial
    guard n > 0, c > 0 else { return 0 }
    if L.sortsErrors { return try evaluateLovasz(loss, p) }
    let softmax = loss.applySoftmax
    let first = loss.ignoreBackground && c > 1 ? 1 : 0
    let kept = Double(c - first)
    let wantDerivatives = p.grad != nil || p.hess != nil
    // Sums per (sample, class): TP, ΣP, ΣT; then the class weights.
    let sums = try allocateScratch(scratchCount(3 * c, n, plus: c), of: Double.self,
                                   for: "the overlap sums, 3 × batch × classes + classes doubles,")
    defer { releaseScratch(sums) }
    let terms = try allocateScratch(wantDerivatives ? scratchCount(n, c) : 0, of: OverlapTerms.self,
                                    for: "the overlap terms, batch × classes,")
    defer { releaseScratch(terms) }
    let (runScratch, threads) = try allocatePerRun(Parallel.threads(forBlocks: n), count: 3 * c, of: Double.self,
                                                   for: "a row of overlap probabilities")
    defer { releaseScratch(runScratch) }
    nonisolated(unsafe) let perRun = runScratch
    _ = Parallel.sum(blocks: n, threads: threads) { b, run in
        let prob = perRun + run * 3 * c
        let row = sums + b * c * 3
        row.update(repeating: 0, count: c * 3)
        for j in 0..<s {
            p.probabilities(b, j, softmax: softmax, prob)
            for k in 0..<c {
                let t = p.target(b, k, j)
                row[3 * k] += prob[k] * t
                row[3 * k + 1] += prob[k]
                row[3 * k + 2] += t
            }
        }
        return 0
    }
    // Class weights.
    let weights = sums + 3 * n * c
    weights.initialize(repeating: 1, count: c)
    if L.targetFrequencyWeights {
        var total = 0.0
        for k in 0..<c {
            var frequency = 0.0
            for b in 0..<n { frequency += sums[(b * c + k) * 3 + 2] }
            weights[k] = 1 / (frequency * frequency + 1e-7)
            total += weights[k]
        }
        for k in 0..<c { weights[k] *= Double(c) / total }
    } else if let w = p.classWeight {
        for k in 0..<c { weights[k] = Double(w[k]) }
    }
    var denominator = 1.0
    if p.reduction == .mean {
        if let w = p.sampleWeight {
            denominator = 0
            for b in 0..<n { denominator += Double(w[b]) }
        } else {
            denominator = Double(n)
        }
    }
    let scale = denominator > 0 ? 1 / denominator : 0
    // Losses and the scaled derivatives per (sample, class).
    var total = 0.0
    for b in 0..<n {
        let sw = Double(p.sampleWeight?[b] ?? 1)
        var sample = 0.0
        for k in 0..<c {
            let sum = sums + (b * c + k) * 3
            var t = loss.terms(tp: sum[0], fp: sum[1] - sum[0], fn: sum[2] - sum[0])
            let w = k < first ? 0 : weights[k] / kept
            if w != 0 { sample += w * t.loss }
            if wantDerivatives {
                let factor = sw == 0 ? 0 : sw * w * scale
                t.gradient *= factor
                t.hessian = (t.hessian.0 * factor, t.hessian.1 * factor, t.hessian.2 * factor)
                (terms + b * c + k).initialize(to: t)
            }
        }
        let weighted = sw == 0 ? 0 : sw * sample
        if p.reduction == .none { p.losses![b] = T(weighted) }
        total += weighted
    }
    if wantDerivatives {
        _ = Parallel.sum(blocks: n, threads: threads) { b, run in
            overlapDerivatives(p, b, softmax: softmax, terms + b * c, scratch: perRun + run * 3 * c)
            return 0
        }
    }
    return p.reduction == .mean ? total * scale : total
}

/// Pass 2 of ``evaluate(_:_:)`` for sample b: the gradient and Hessian diagonal of every input;
/// `scratch` holds 3·C doubles.
@inlinable
func overlapDerivatives<T: LossScalar>(_ p: OverlapProblem<T>, _ b: Int, softmax: Bool,
                                       _ terms: UnsafePointer<OverlapTerms>, scratch: UnsafeMutablePointer<Double>) {
    let c = p.classes, s = p.spatial
    let prob = scratch, g = scratch + c, h = scratch + 2 * c
    for j in 0..<s {
        p.probabilities(b, j, softmax: softmax, prob)
        for k in 0..<c { (g[k], h[k]) = terms[k].along(target: p.target(b, k, j)) }
        let base = b * c * s + j
        if !softmax {
            for k in 0..<c {
                p.grad?[base + k * s] = T(g[k])
                p.hess?[base + k * s] = T(h[k])
            }
        } else if c == 1 {
            let q = prob[0], dq = q * (1 - q)
            p.grad?[base] = T(g[0] * dq)
            p.hess?[base] = T(h[0] * dq * dq + g[0] * dq * (1 - 2 * q))
        } else {
            // ∂L/∂z_k = p_k (g_k - B), B = Σ g_c p_c;
            // ∂²L/∂z_k² = p_k² ((1 - 2p_k) h_k + A) + p_k (1 - 2p_k)(g_k - B), A = Σ p_c² h_c.
            var a = 0.0, bsum = 0.0
            for k in 0..<c {
                a += prob[k] * prob[k] * h[k]
                bsum += g[k] * prob[k]
            }
            for k in 0..<c {
                let q = prob[k]
                p.grad?[base + k * s] = T(q * (g[k] - bsum))
                p.hess?[base + k * s] = T(q * q * ((1 - 2 * q) * h[k] + a) + q * (1 - 2 * q) * (g[k] - bsum))
            }
        }
    }
}

/// The mean denominator of an ``OverlapProblem``'s reduction: Σ s_n, N, or 1 for 'sum'/'none'.
@inlinable
func overlapDenominator<T: LossScalar>(_ p: OverlapProblem<T>) -> Double {
    guard p.reduction == .mean else { return 1 }
    guard let w = p.sampleWeight else { return Double(p.batch) }
    var total = 0.0
    for b in 0..<p.batch { total += Double(w[b]) }
    return total
}

/// The Lovász-softmax driver: one pass per sample (a block each, as in pass 1 of
/// ``evaluate(_:_:)``). It computes the sample's probabilities (C·S doubles), then per class
/// sorts the errors |t - p| in decreasing order (ties by pixel index, so the result is
/// deterministic), takes the Lovász gradient of the Jaccard loss along the sorted targets, and
/// writes ∂L/∂p = g·sign(p - t); the chain rule through the softmax (or sigmoid) follows
/// per pixel with a zero Hessian in p. Memory, allocated before anything is written, per thread:
/// 3·C·S + C doubles and 2·S pixel indices (the sort order and the merge sort's buffer).
@inlinable
public func evaluateLovasz<L: OverlapLoss, T: LossScalar>(_ loss: L, _ p: OverlapProblem<T>) throws(LossKitError) -> Double {
    let n = p.batch, c = p.classes, s = p.spatial
    let softmax = loss.applySoftmax
    let first = loss.ignoreBackground && c > 1 ? 1 : 0
    let kept = Double(c - first)
    let denominator = overlapDenominator(p)
    let scale = denominator > 0 ? 1 / denominator : 0
    let wantDerivatives = p.grad != nil || p.hess != nil
    let values = scratchCount(3 * c, s, plus: c)
    let (valueScratch, threads) = try allocatePerRun(
        Parallel.threads(forBlocks: n), count: values, of: Double.self,
        for: "a sample's probabilities, targets and gradients for the Lovász loss, 3 × classes × pixels + classes doubles,")
    defer { releaseScratch(valueScratch) }
    let orderScratch = try allocateScratch(scratchCount(2 * s, threads), of: Int.self,
                                           for: "the Lovász sort order, 2 × pixels indices per thread,")
    defer { releaseScratch(orderScratch) }
    nonisolated(unsafe) let perRun = (values: valueScratch, order: orderScratch)
    let total = Parallel.sum(blocks: n, threads: threads) { b, run in
        let sw = Double(p.sampleWeight?[b] ?? 1)
        let prob = perRun.values + run * values
        let order = perRun.order + run * 2 * s, buffer = order + s
        let dp = prob + c * s, target = prob + 2 * c * s, pixel = prob + 3 * c * s
        for j in 0..<s {
            p.probabilities(b, j, softmax: softmax, pixel)
            for k in 0..<c {
                prob[k * s + j] = pixel[k]
                target[k * s + j] = p.target(b, k, j)
            }
        }
        var sample = 0.0
        for k in 0..<c {
            let w = k < first ? 0 : Double(p.classWeight?[k] ?? 1) / kept
            let pk = prob + k * s, tk = target + k * s, gk = dp + k * s
            @inline(__always) func error(_ i: Int) -> Double { Swift.abs(tk[i] - pk[i]) }
            for i in 0..<s { order[i] = i }
            mergeSort(order, count: s, buffer: buffer) { a, b in
                let ea = error(a), eb = error(b)
                return ea > eb || (ea == eb && a < b)
            }
            var positives = 0.0
            for i in 0..<s { positives += tk[i] }
            var cumT = 0.0, cumF = 0.0, previous = 0.0, value = 0.0
            let factor = sw == 0 ? 0 : sw * w * scale
            for rank in 0..<s {
                let i = order[rank]
                cumT += tk[i]
                cumF += 1 - tk[i]
                let union = positives + cumF
                let jaccard = union > 0 ? 1 - (positives - cumT) / union : 0
                let g = rank == 0 ? jaccard : jaccard - previous
                previous = jaccard
                value += error(i) * g
                let d = pk[i] - tk[i]
                gk[i] = factor * g * (d > 0 ? 1 : d < 0 ? -1 : 0)
            }
            if w != 0 { sample += w * value }
        }
        let weighted = sw == 0 ? 0 : sw * sample
        if p.reduction == .none { p.losses![b] = T(weighted) }
        guard wantDerivatives else { return weighted }
        let base = b * c * s
        for j in 0..<s {
            if !softmax {
                for k in 0..<c {
                    p.grad?[base + k * s + j] = T(dp[k * s + j])
                    p.hess?[base + k * s + j] = 0
                }
            } else if c == 1 {
                let q = prob[j], dq = q * (1 - q), g = dp[j]
                p.grad?[base + j] = T(g * dq)
                p.hess?[base + j] = T(g * dq * (1 - 2 * q))
            } else {
                var bsum = 0.0
                for k in 0..<c { bsum += dp[k * s + j] * prob[k * s + j] }
                for k in 0..<c {
                    let q = prob[k * s + j], g = dp[k * s + j]
                    p.grad?[base + k * s + j] = T(q * (g - bsum))
                    p.hess?[base + k * s + j] = T(q * (1 - 2 * q) * (g - bsum))
                }
            }
        }
        return weighted
    }
    return p.reduction == .mean ? total * scale : total
}
