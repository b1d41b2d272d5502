/// One NT-Xent evaluation (see ``NTXent``): `count` embeddings of `dim` values (row-major),
/// an integer label per embedding, the temperature τ and a reduction: 'mean' divides by the
/// number of positive (ordered) pairs, as optax (0 with zero gradient when there is none,
/// where optax gives NaN); 'sum' is Σ l_ij; 'none' gives each anchor's Σ_j l_ij.
public struct NTXentProblem<T: LossScalar> {
    public var count: Int
    public var dim: Int
    public var embeddings: UnsafePointer<T>
    public var labels: UnsafePointer<Int64>
    public var temperature: Double
    public var reduction: Reduction
    /// Per-anchor losses; written only for ``Reduction/none``.
    public var losses: UnsafeMutablePointer<T>?
    public var grad: UnsafeMutablePointer<T>?

    public init(count: Int, dim: Int, embeddings: UnsafePointer<T>, labels: UnsafePointer<Int64>,
                temperature: Double = 0.07, reduction: Reduction = .mean,
                losses: UnsafeMutablePointer<T>? = nil, grad: UnsafeMutablePointer<T>? = nil) {
        self.count = count
        self.dim = dim
        self.embeddings = embeddings
        self.labels = labels
        self.temperature = temperature
        self.reduction = reduction
        self.losses = losses
        self.grad = grad
    }

    public func validate() throws(LossKitError) {
        guard count >= 0, dim >= 0 else {
            throw LossKitError(.shapeMismatch, "count and dim must be >= 0, got \(count) and \(dim)")
        }
        guard count <= Int.max / 8 / Swift.max(dim, 1) else {
            throw LossKitError(.shapeMismatch, "count × dim overflows")
        }
        try NTXent.spec.validate([temperature])
        if reduction == .none && losses == nil && count > 0 {
            throw LossKitError(.nullPointer, "reduction 'none' needs an output array for the losses")
        }
    }

    @inlinable
    func row(_ i: Int) -> UnsafePointer<T> { embeddings + i * dim }
}

/// Runs NT-Xent: one pass over anchors for the per-anchor sums and losses, one over rows for
/// the gradient (each row's gradient is written by the thread that owns the row, so nothing is
/// shared). Anchors are taken in blocks of a fixed count and summed in `Double` in order: the
/// result is the same for any thread count. The work is O(count² · dim); the memory, allocated
/// before anything is written, 7·count doubles of per-anchor state and a row of max(count, dim)
/// doubles per thread.
@inlinable
public func evaluate<T: LossScalar>(_ p: NTXentProblem<T>) throws(LossKitError) -> Double {
    let n = p.count
    guard n > 0 else { return 0 }
    let eps = Double(T.ulpOfOne)
    let tau = p.temperature
    // Per embedding: norm, clipped flag; per anchor: shift m_i, N_i, A_i, loss, pair count.
    // Blocks of anchors with about 16·accumulationBlock multiply-adds each; the block size
    // depends only on the shape, so results do not depend on the thread count.
    let perBlock = Swift.max(1, accumulationBlock * 16 / Swift.max(n * Swift.max(p.dim, 1), 1))
    let blocks = (n + perBlock - 1) / perBlock
    let state = try allocateScratch(scratchCount(7, n), of: Double.self, for: "the NT-Xent per-anchor sums")
    defer { releaseScratch(state) }
    let width = Swift.max(n, p.dim)
    let (rows, threads) = try allocatePerRun(Parallel.threads(forBlocks: blocks), count: width, of: Double.self,
                                             for: "an NT-Xent row of similarities")
    defer { releaseScratch(rows) }
    nonisolated(unsafe) let runRows = rows
    nonisolated(unsafe) let v = (norm: state, clipped: state + n, shift: state + 2 * n,
                                 neg: state + 3 * n, a: state + 4 * n, loss: state + 5 * n,
                                 pairs: state + 6 * n)
    for i in 0..<n {
        let sq = dot(p.row(i), p.row(i), p.dim)
        v.norm[i] = Swift.max(sq, eps).squareRoot()
        v.clipped[i] = sq < eps ? 1 : 0
    }
    _ = Parallel.sum(blocks: blocks, threads: threads) { b, run in
        let row = runRows + run * width
        for i in (b * perBlock)..<Swift.min((b + 1) * perBlock, n) {
            var m = -Double.infinity
            for j in 0..<n where j != i {
                row[j] = dot(p.row(i), p.row(j), p.dim) / (v.norm[i] * v.norm[j]) / tau
                m = Swift.max(m, row[j])
            }
            var neg = 0.0
            for j in 0..<n where j != i && p.labels[j] != p.labels[i] { neg += Double._exp(row[j] - m) }
            var a = 0.0, loss = 0.0, pairs = 0.0
            for j in 0..<n where j != i && p.labels[j] == p.labels[i] {
                let u = row[j] - m
                let den = Double._exp(u) + neg
                a += 1 / den
                loss += Double._log(den) - u
                pairs += 1
            }
            (v.shift[i], v.neg[i], v.a[i], v.loss[i], v.pairs[i]) = (m, neg, a, loss, pairs)
            if p.reduction == .none { p.losses![i] = T(loss) }
        }
        return 0
    }
    var total = 0.0, positives = 0.0
    for i in 0..<n { total += v.loss[i]; positives += v.pairs[i] }
    let scale = p.reduction == .mean ? (positives > 0 ? 1 / positives : 0) : 1
    if let grad = p.grad {
        nonisolated(unsafe) let out = grad
        _ = Parallel.sum(blocks: blocks, threads: threads) { b, run in
            let dim = p.dim
            let acc = runRows + run * width
            for i in (b * perBlock)..<Swift.min((b + 1) * perBlock, n) {
                let g = out + i * dim
                for k in 0..<dim { acc[k] = 0 }
                var cosSum = 0.0
                for j in 0..<n where j != i && scale != 0 {
                    let cosine = dot(p.row(i), p.row(j), dim) / (v.norm[i] * v.norm[j])
                    let sij = cosine / tau
                    // ∂L/∂s_ij through anchor i plus ∂L/∂s_ji through anchor j.
                    let ei = Double._exp(sij - v.shift[i]), ej = Double._exp(sij - v.shift[j])
                    let d = p.labels[j] == p.labels[i]
                        ? (ei / (ei + v.neg[i]) - 1) + (ej / (ej + v.neg[j]) - 1)
                        : ei * v.a[i] + ej * v.a[j]
                    let coef = d * scale / tau
                    if coef == 0 { continue }
                    cosSum += coef * cosine
                    let w = coef / (v.norm[i] * v.norm[j])
                    let row = p.row(j)
                    for k in 0..<dim { acc[k] += w * Double(row[k]) }
                }
                let own = p.row(i)
                let c = v.clipped[i] != 0 ? 0 : cosSum / (v.norm[i] * v.norm[i])
                for k in 0..<dim { g[k] = T(acc[k] - c * Double(own[k])) }
            }
            return 0
        }
    }
    return p.reduction == .mean ? total * scale : total
}
