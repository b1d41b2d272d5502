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

    /// Sample n's probabilities in `Double`, class by class (C rows of `spatial` values), into
    /// `prob`: the softmax over the classes (sigmoid for one class) of the logits, or the input
    /// itself, on vectors of 8 pixels whatever `T` is (the Lovász sort orders errors as exactly
    /// as `Double` allows).
    @inlinable
    func probabilityRows(_ n: Int, softmax: Bool, _ prob: UnsafeMutablePointer<Double>) {
        let base = input + n * classes * spatial
        let width = RowVector.scalarCount
        var j = 0
        while j < spatial {
            let lanes = Swift.min(width, spatial - j)
            @inline(__always) func z(_ k: Int) -> RowVector { wide(base + k * spatial, j, lanes) }
            @inline(__always) func row(_ k: Int) -> UnsafeMutablePointer<Double> { prob + k * spatial }
            if !softmax {
                for k in 0..<classes { store(z(k), row(k), j, lanes) }
            } else if classes == 1 {
                store(sigmoid(z(0)), prob, j, lanes)
            } else {
                var m = z(0)
                for k in 1..<classes { m = maximum(m, z(k)) }
                var total = RowVector()
                for k in 0..<classes {
                    let e = exp(z(k) - m)
                    store(e, row(k), j, lanes)
                    total += e
                }
                for k in 0..<classes { store(load(row(k), j, lanes) / total, row(k), j, lanes) }
            }
            j += width
        }
    }
}

/// Runs an ``OverlapLoss`` over an ``OverlapProblem`` in two passes, both on vectors of spatial
/// positions: a vector holds one class's values at `T.Vector.scalarCount` consecutive pixels,
/// which are contiguous in the (N, C, spatial) layout, so the softmax (or sigmoid) over the
/// class axis (stride = spatial) is lane-wise arithmetic on C vectors, with no transposed copy.
///
/// Each sample's pixels are cut into chunks of about ``accumulationBlock`` values (C·chunk),
/// a size that depends only on the shape; the blocks of the threads are these chunks.
/// Pass 1 accumulates, per chunk and class, Σ p·t, Σ p and Σ t in the lanes of `T`, adds the
/// lanes in `Double`, and the chunks' sums are added per sample in chunk order, so the sums do
/// not depend on the thread count. Then each (sample, class) gets its loss and its derivatives
/// with respect to (TP, FP, FN), scaled by s_n·w_c / (C' · denominator). Pass 2, only when
/// derivatives are asked for, recomputes each pixel's probabilities and applies the chain
/// rule: ∂/∂p via v = (t, 1 - t, -t) (see ``OverlapTerms/along(target:)``), then through the
/// softmax (or sigmoid), lane by lane. Returns the reduced loss (for ``Reduction/none``, the sum
/// of the per-sample losses). Memory, allocated before anything is written: 3·C doubles per
/// chunk, N·C ``OverlapTerms`` for the derivatives, C doubles of class weights, and per thread
/// 18·C vectors of `T`.
@inlinable
public func evaluate<L: OverlapLoss, T: LossScalar>(_ loss: L, _ p: OverlapProblem<T>) throws(LossKitError) -> Double {
    let n = p.batch, c = p.classes, s = p.spatial
    guard n > 0, c > 0 else { return 0 }
    if L.sortsErrors { return try evaluateLovasz(loss, p) }
    let softmax = loss.applySoftmax
    let first = loss.ignoreBackground && c > 1 ? 1 : 0
    let kept = Double(c - first)
    let wantDerivatives = p.grad != nil || p.hess != nil
    let lanes = T.Vector.scalarCount
    let chunk = Swift.max(lanes, accumulationBlock / c / lanes * lanes)
    let chunks = Swift.max(1, (s + chunk - 1) / chunk)
    let (blocks, o) = n.multipliedReportingOverflow(by: chunks)
    // Sums per (chunk, class): TP, ΣP, ΣT; per (sample, class) after pass 1; then the class weights.
    let partials = try allocateScratch(o ? .max : scratchCount(3 * c, blocks, plus: c), of: Double.self,
                                       for: "the overlap sums, 3 × classes doubles per chunk of pixels,")
    defer { releaseScratch(partials) }
    let terms = try allocateScratch(wantDerivatives ? scratchCount(n, c) : 0, of: OverlapTerms.self,
                                    for: "the overlap terms, batch × classes,")
    defer { releaseScratch(terms) }
    let perRunCount = scratchCount(18 * c, lanes)
    let (runScratch, threads) = try allocatePerRun(Parallel.threads(forBlocks: blocks), count: perRunCount, of: T.self,
                                                   for: "the overlap vectors of probabilities")
    defer { releaseScratch(runScratch) }
    nonisolated(unsafe) let perRun = runScratch
    nonisolated(unsafe) let blockSums = partials
    _ = Parallel.sum(blocks: blocks, threads: threads) { b, run in
        overlapChunkSums(p, sample: b / chunks, pixels: (b % chunks) * chunk..<Swift.min(s, (b % chunks + 1) * chunk),
                         softmax: softmax, blockSums + b * 3 * c, scratch: perRun + run * perRunCount)
        return 0
    }
    // The chunks' sums per sample, in chunk order (into the sample's first chunk's slot).
    let sums = partials
    for b in 0..<n {
        let row = sums + b * 3 * c
        for q in 0..<(3 * c) {
            var total = 0.0
            for k in 0..<chunks { total += partials[(b * chunks + k) * 3 * c + q] }
            row[q] = total  // row b's slot precedes every chunk of sample b it reads: b·3c <= b·chunks·3c
        }
    }
    // Class weights.
    let weights = sums + 3 * blocks * c
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
    let denominator = overlapDenominator(p)
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
        _ = Parallel.sum(blocks: blocks, threads: threads) { b, run in
            overlapChunkDerivatives(p, sample: b / chunks,
                                    pixels: (b % chunks) * chunk..<Swift.min(s, (b % chunks + 1) * chunk),
                                    softmax: softmax, terms + (b / chunks) * c, scratch: perRun + run * perRunCount)
            return 0
        }
    }
    return p.reduction == .mean ? total * scale : total
}

extension OverlapProblem {
    /// The probabilities of pixels [j, j + lanes) of sample n, one vector per class, into
    /// `prob` (C vectors): softmax over the classes (sigmoid for one class) of the logits, or
    /// the input itself. Padding lanes of a partial vector are 0.
    @inlinable @inline(__always)
    func probabilityVectors(_ n: Int, _ j: Int, _ lanes: Int, softmax: Bool, _ prob: UnsafeMutablePointer<T>) {
        typealias V = T.Vector
        let width = V.scalarCount
        let base = input + n * classes * spatial + j
        @inline(__always) func put(_ k: Int, _ v: V) {
            UnsafeMutableRawPointer(prob + k * width).storeBytes(of: v, as: V.self)
        }
        @inline(__always) func get(_ k: Int) -> V { UnsafeRawPointer(prob + k * width).loadUnaligned(as: V.self) }
        if !softmax {
            for k in 0..<classes { put(k, load(base + k * spatial, 0, lanes)) }
        } else if classes == 1 {
            put(0, sigmoid(load(base, 0, lanes)))
        } else {
            var m = load(base, 0, lanes)
            for k in 1..<classes { m = maximum(m, load(base + k * spatial, 0, lanes)) }
            var total = V.zero
            for k in 0..<classes {
                let e = exp(load(base + k * spatial, 0, lanes) - m)
                put(k, e)
                total += e
            }
            let inverse = 1 / total
            for k in 0..<classes { put(k, get(k) * inverse) }
        }
        if lanes < width {
            let padding = laneMask(V.self, lanes)
            for k in 0..<classes { put(k, get(k).replacing(with: 0, where: padding)) }
        }
    }

    /// The class map's labels at pixels [j, j + lanes) of sample n as values of `T` (-1, no
    /// class, in the padding lanes).
    @inlinable @inline(__always)
    func labelVector(_ n: Int, _ j: Int, _ lanes: Int) -> T.Vector {
        var v = T.Vector(repeating: -1)
        let row = targetIndex! + n * spatial + j
        for k in 0..<lanes { v[k] = T(row[k]) }
        return v
    }

    /// The target of class k at the pixels of `labels` (a ``labelVector(_:_:_:)``, class maps)
    /// or read from the target map at pixels [j, j + lanes) of sample n.
    @inlinable @inline(__always)
    func targetVector(_ n: Int, _ k: Int, _ j: Int, _ lanes: Int, labels: T.Vector) -> T.Vector {
        typealias V = T.Vector
        guard targetIndex != nil else { return load(targetValues! + (n * classes + k) * spatial, j, lanes) }
        if classes == 1 { return maximum(labels, V.zero) }  // the 0/1 mask; 0 in the padding
        return V.zero.replacing(with: V(repeating: 1), where: labels .== V(repeating: T(k)))
    }
}

/// Pass 1 of ``evaluate(_:_:)`` for one chunk of a sample's pixels: Σ p·t, Σ p, Σ t per class
/// into `sums` (3·C doubles), accumulated in lanes of `T` and the lanes added in `Double`.
/// `scratch` holds 18·C vectors.
@inlinable
func overlapChunkSums<T: LossScalar>(_ p: OverlapProblem<T>, sample n: Int, pixels: Range<Int>, softmax: Bool,
                                     _ sums: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<T>) {
    typealias V = T.Vector
    let c = p.classes, width = V.scalarCount
    let prob = scratch, acc = scratch + c * width
    for q in 0..<(3 * c) { UnsafeMutableRawPointer(acc + q * width).storeBytes(of: V.zero, as: V.self) }
    @inline(__always) func add(_ q: Int, _ v: V) {
        let a = UnsafeMutableRawPointer(acc + q * width)
        a.storeBytes(of: a.load(as: V.self) + v, as: V.self)
    }
    var j = pixels.lowerBound
    while j < pixels.upperBound {
        let lanes = Swift.min(width, pixels.upperBound - j)
        p.probabilityVectors(n, j, lanes, softmax: softmax, prob)
        let labels = p.targetIndex != nil ? p.labelVector(n, j, lanes) : V.zero
        for k in 0..<c {
            let pk = UnsafeRawPointer(prob + k * width).loadUnaligned(as: V.self)
            let t = p.targetVector(n, k, j, lanes, labels: labels)
            add(3 * k, pk * t)
            add(3 * k + 1, pk)
            add(3 * k + 2, t)
        }
        j += lanes
    }
    for q in 0..<(3 * c) { sums[q] = UnsafeRawPointer(acc + q * width).loadUnaligned(as: V.self).sumInDouble }
}

/// Pass 2 of ``evaluate(_:_:)`` for one chunk of a sample's pixels: the gradient and Hessian
/// diagonal of every input, lane by lane. `scratch` holds 18·C vectors.
@inlinable
func overlapChunkDerivatives<T: LossScalar>(_ p: OverlapProblem<T>, sample n: Int, pixels: Range<Int>, softmax: Bool,
                                            _ terms: UnsafePointer<OverlapTerms>, scratch: UnsafeMutablePointer<T>) {
    typealias V = T.Vector
    let c = p.classes, s = p.spatial, width = V.scalarCount
    let prob = scratch, g = scratch + c * width, h = scratch + 2 * c * width
    // Per class: ∂l/∂(TP, FP, FN) and the Hessian's rows, in `T`.
    let coefficients = scratch + 3 * c * width
    for k in 0..<c {
        let t = terms[k], row = coefficients + 12 * k
        (row[0], row[1], row[2]) = (T(t.gradient.x), T(t.gradient.y), T(t.gradient.z))
        let (h0, h1, h2) = t.hessian
        (row[3], row[4], row[5]) = (T(h0.x), T(h0.y), T(h0.z))
        (row[6], row[7], row[8]) = (T(h1.x), T(h1.y), T(h1.z))
        (row[9], row[10], row[11]) = (T(h2.x), T(h2.y), T(h2.z))
    }
    @inline(__always) func put(_ q: UnsafeMutablePointer<T>, _ k: Int, _ v: V) {
        UnsafeMutableRawPointer(q + k * width).storeBytes(of: v, as: V.self)
    }
    @inline(__always) func get(_ q: UnsafeMutablePointer<T>, _ k: Int) -> V {
        UnsafeRawPointer(q + k * width).loadUnaligned(as: V.self)
    }
    let wantHessian = p.hess != nil
    var j = pixels.lowerBound
    while j < pixels.upperBound {
        let lanes = Swift.min(width, pixels.upperBound - j)
        p.probabilityVectors(n, j, lanes, softmax: softmax, prob)
        let labels = p.targetIndex != nil ? p.labelVector(n, j, lanes) : V.zero
        for k in 0..<c {
            // v = (t, 1 - t, -t): ∂/∂p = v·∇l, ∂²/∂p² = vᵀ∇²l v, as ``OverlapTerms/along(target:)``.
            let t = p.targetVector(n, k, j, lanes, labels: labels), u = 1 - t, m = -t
            let row = coefficients + 12 * k
            @inline(__always) func b(_ q: Int) -> V { V(repeating: row[q]) }
            put(g, k, b(0) * t + b(1) * u + b(2) * m)
            if wantHessian {
                // Hv by the rows' columns (the Hessian is symmetric), then v·(Hv).
                let h0 = b(3) * t + b(6) * u + b(9) * m
                let h1 = b(4) * t + b(7) * u + b(10) * m
                let h2 = b(5) * t + b(8) * u + b(11) * m
                put(h, k, h0 * t + h1 * u + h2 * m)
            }
        }
        let base = n * c * s + j
        @inline(__always) func write(_ k: Int, _ grad: V, _ hess: V) {
            if let out = p.grad { store(grad, out, base + k * s, lanes) }
            if let out = p.hess { store(hess, out, base + k * s, lanes) }
        }
        if !softmax {
            for k in 0..<c { write(k, get(g, k), wantHessian ? get(h, k) : .zero) }
        } else if c == 1 {
            let q: V = get(prob, 0), gk: V = get(g, 0)
            let dq: V = q * (1 - q)
            var hk = V.zero
            if wantHessian {
                let slope: V = 1 - 2 * q
                hk = get(h, 0) * dq * dq + gk * dq * slope
            }
            write(0, gk * dq, hk)
        } else {
            // ∂L/∂z_k = p_k (g_k - B), B = Σ g_c p_c;
            // ∂²L/∂z_k² = p_k² ((1 - 2p_k) h_k + A) + p_k (1 - 2p_k)(g_k - B), A = Σ p_c² h_c.
            var a = V.zero, bsum = V.zero
            for k in 0..<c {
                let q = get(prob, k)
                if wantHessian { a += q * q * get(h, k) }
                bsum += get(g, k) * q
            }
            for k in 0..<c {
                let q: V = get(prob, k), d: V = get(g, k) - bsum
                var hk = V.zero
                if wantHessian {
                    let slope: V = 1 - 2 * q
                    let curvature: V = slope * get(h, k) + a
                    hk = q * q * curvature + q * slope * d
                }
                write(k, q * d, hk)
            }
        }
        j += lanes
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
/// per pixel with a zero Hessian in p. The sort is a radix sort of the errors' bit patterns
/// (``sortDecreasing(_:count:order:buffer:)``), which gives the same order as comparisons.
/// Memory, allocated before anything is written, per thread: 3·C·S doubles and
/// 4·S + 12288 words for the sort (keys, order and the radix sort's scratch).
@inlinable
public func evaluateLovasz<L: OverlapLoss, T: LossScalar>(_ loss: L, _ p: OverlapProblem<T>) throws(LossKitError) -> Double {
    let n = p.batch, c = p.classes, s = p.spatial
    let softmax = loss.applySoftmax
    let first = loss.ignoreBackground && c > 1 ? 1 : 0
    let kept = Double(c - first)
    let denominator = overlapDenominator(p)
    let scale = denominator > 0 ? 1 / denominator : 0
    let wantDerivatives = p.grad != nil || p.hess != nil
    let values = scratchCount(3 * c, s)
    let (valueScratch, threads) = try allocatePerRun(
        Parallel.threads(forBlocks: n), count: values, of: Double.self,
        for: "a sample's probabilities, targets and gradients for the Lovász loss, 3 × classes × pixels doubles,")
    defer { releaseScratch(valueScratch) }
    let sortWords = scratchCount(2, s, plus: radixSortScratch(s))
    let orderScratch = try allocateScratch(scratchCount(sortWords, threads), of: UInt64.self,
                                           for: "the Lovász sort, 4 × pixels + 12288 words per thread,")
    defer { releaseScratch(orderScratch) }
    nonisolated(unsafe) let perRun = (values: valueScratch, order: orderScratch)
    let total = Parallel.sum(blocks: n, threads: threads) { b, run in
        let sw = Double(p.sampleWeight?[b] ?? 1)
        let prob = perRun.values + run * values
        let keys = perRun.order + run * sortWords
        let order = UnsafeMutableRawPointer(keys + s).bindMemory(to: Int.self, capacity: s)
        let buffer = UnsafeMutableRawPointer(keys + 2 * s)
        let dp = prob + c * s, target = prob + 2 * c * s
        p.probabilityRows(b, softmax: softmax, prob)
        for k in 0..<c {
            for j in 0..<s { target[k * s + j] = p.target(b, k, j) }
        }
        var sample = 0.0
        for k in 0..<c {
            let w = k < first ? 0 : Double(p.classWeight?[k] ?? 1) / kept
            let pk = prob + k * s, tk = target + k * s, gk = dp + k * s
            @inline(__always) func error(_ i: Int) -> Double { Swift.abs(tk[i] - pk[i]) }
            for i in 0..<s { keys[i] = error(i).bitPattern }
            sortDecreasing(keys, count: s, order: order, buffer: buffer)
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
        // The chain rule through the softmax (or sigmoid), on vectors of 8 pixels in `Double`.
        let base = b * c * s, width = RowVector.scalarCount
        var j = 0
        while j < s {
            let lanes = Swift.min(width, s - j)
            @inline(__always) func at(_ q: UnsafeMutablePointer<Double>, _ k: Int) -> RowVector {
                load(q + k * s, j, lanes)
            }
            @inline(__always) func write(_ k: Int, _ g: RowVector, _ h: RowVector) {
                if let out = p.grad { storeNarrowed(g, out + base + k * s, j, lanes) }
                if let out = p.hess { storeNarrowed(h, out + base + k * s, j, lanes) }
            }
            if !softmax {
                for k in 0..<c { write(k, at(dp, k), RowVector()) }
            } else if c == 1 {
                let q = at(prob, 0), g = at(dp, 0)
                let dq: RowVector = q * (1 - q)
                let slope: RowVector = 1 - 2 * q
                write(0, g * dq, g * dq * slope)
            } else {
                var bsum = RowVector()
                for k in 0..<c { bsum += at(dp, k) * at(prob, k) }
                for k in 0..<c {
                    let q = at(prob, k), d = at(dp, k) - bsum
                    let slope: RowVector = 1 - 2 * q
                    write(k, q * d, q * slope * d)
                }
            }
            j += width
        }
        return weighted
    }
    return p.reduction == .mean ? total * scale : total
}
