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
        guard count <= 1 << (T.significandBitCount + 1) else {
            // The kernel keeps a label id per embedding in `T`, exact up to 2^24 in float32.
            throw LossKitError(.shapeMismatch, "embeddings: at most 2^\(T.significandBitCount + 1) rows in \(T.self), got \(count)")
        }
        try NTXent.spec.validate([temperature])
        if reduction == .none && losses == nil && count > 0 {
            throw LossKitError(.nullPointer, "reduction 'none' needs an output array for the losses")
        }
    }

    @inlinable
    func row(_ i: Int) -> UnsafePointer<T> { embeddings + i * dim }
}

/// Runs NT-Xent in two passes over blocks of 16 anchors, each starting from their rows of the
/// cosine matrix U·Uᵀ (U the embeddings scaled to unit norm) made by a register-blocked kernel
/// (`panelProduct`) in the lanes of `T`:
///
/// 1. per anchor i: the shift m_i = max_j s_ij (s = cos/τ, j ≠ i), N_i = Σ_{j negative} e^(s_ij - m_i)
///    on vectors of columns (the label test is one vector compare of dense label ids), then the
///    positives, found from the labels sorted once, one by one in `Double`:
///    A_i = Σ_{j positive} 1/(e^(s_ij - m_i) + N_i) and the loss Σ log(e^u + N_i) - u, u = s_ij - m_i;
/// 2. (gradient) the same score rows (kept from pass 1 up to ``ntxentKeptScores`` bytes,
///    otherwise made again: a third product, but memory linear in the count), the
///    coefficients ∂L/∂cos_ij on vectors of columns (positives corrected one by one), then
///    grad_i = (Σ_j c_ij u_j - (Σ_j c_ij cos_ij) u_i) / |e_i| as a second blocked product
///    (`panelProduct` again).
///
/// Every anchor's values depend only on the data, and the losses are added in `Double` in
/// anchor order, so the result is the same for any thread count. The float32 kernel keeps
/// cosines, exponentials and the gradient's sums in float32 lanes (sums over columns in blocks
/// added in `Double`), about 1e-6 relative; float64 computes in float64 throughout.
/// Memory, allocated before anything is written: the unit embeddings, row-major and in two
/// packings (3 × count × dim values of `T`), label ids, sort order and per-anchor state (about
/// 12 × count values), per thread 32 rows of count values and 16 of dim, and the kept score
/// rows (count² values) when they fit in ``ntxentKeptScores`` bytes.
@inlinable
public func evaluate<T: LossScalar>(_ p: NTXentProblem<T>) throws(LossKitError) -> Double {
    typealias V = T.Vector
    let n = p.count, d = p.dim
    guard n > 0 else { return 0 }
    let lanes = V.scalarCount
    let width = (n + lanes - 1) / lanes * lanes, depth = Swift.max((d + lanes - 1) / lanes * lanes, lanes)
    let eps = Double(T.ulpOfOne)
    let invTau = T(1 / p.temperature)
    let blocks = (n + ntxentBlockRows - 1) / ntxentBlockRows, paddedRows = Swift.max(width, blocks * ntxentBlockRows)
    // Unit embeddings U (width × depth, zero padded), and packed in panels for `panelProduct`:
    // Uᵀ (d × width) and U (width × depth).
    let units = try allocateScratch(scratchCount(paddedRows, depth), of: T.self, for: "the NT-Xent unit embeddings")
    defer { releaseScratch(units) }
    let columns = try allocateScratch(scratchCount(Swift.max(d, 1), width), of: T.self,
                                      for: "the NT-Xent transposed embeddings")
    defer { releaseScratch(columns) }
    let rowPanels = try allocateScratch(scratchCount(width, depth), of: T.self,
                                        for: "the NT-Xent unit embeddings in panels")
    defer { releaseScratch(rowPanels) }
    // Per column, padded to `width`: label id, shift, N, A; per anchor: |e_i|, clipped, loss,
    // pairs, Σ_j c_ij cos_ij.
    let vectorState = try allocateScratch(scratchCount(4, width), of: T.self, for: "the NT-Xent per-anchor sums")
    defer { releaseScratch(vectorState) }
    let state = try allocateScratch(scratchCount(5, n), of: Double.self, for: "the NT-Xent per-anchor sums")
    defer { releaseScratch(state) }
    // The sort order by (label, index), the merge sort's buffer, and each anchor's group's end.
    let order = try allocateScratch(scratchCount(3, n), of: Int.self, for: "the NT-Xent label order")
    defer { releaseScratch(order) }
    let perRun = scratchCount(2 * ntxentBlockRows, width, plus: ntxentBlockRows * depth)
    let (rows, threads) = try allocatePerRun(Parallel.threads(forBlocks: blocks), count: perRun, of: T.self,
                                             for: "NT-Xent rows of similarities")
    defer { releaseScratch(rows) }
    nonisolated(unsafe) let v = (id: vectorState, shift: vectorState + width, neg: vectorState + 2 * width,
                                 a: vectorState + 3 * width, norm: state, clipped: state + n, loss: state + 2 * n,
                                 pairs: state + 3 * n, cosSum: state + 4 * n, order: order, groupEnd: order + 2 * n,
                                 units: units, columns: columns, rowPanels: rowPanels, rows: rows)
    // Label groups: sort the anchors by (label, index); an anchor's id is its group's first
    // position in that order (exact in `T`: validate caps the count), its positives the rest of
    // the group.
    for i in 0..<n { order[i] = i }
    mergeSort(order, count: n, buffer: order + n) { a, b in
        p.labels[a] < p.labels[b] || (p.labels[a] == p.labels[b] && a < b)
    }
    var start = 0
    while start < n {
        var end = start + 1
        while end < n && p.labels[order[end]] == p.labels[order[start]] { end += 1 }
        for k in start..<end {
            v.id[order[k]] = T(start)
            v.groupEnd[order[k]] = end
        }
        start = end
    }
    for j in n..<width { (v.id[j], v.shift[j], v.neg[j], v.a[j]) = (-1, 0, 0, 0) }
    // Unit embeddings, zero padded, and in panels: Uᵀ's panel q holds U[q·lanes + l][k] at
    // k·lanes + l, U's panel q holds U[j][q·lanes + l] at j·lanes + l.
    units.update(repeating: 0, count: paddedRows * depth)
    columns.update(repeating: 0, count: Swift.max(d, 1) * width)
    rowPanels.update(repeating: 0, count: width * depth)
    for i in 0..<n {
        let sq = dot(p.row(i), p.row(i), d)
        let norm = Swift.max(sq, eps).squareRoot()
        v.norm[i] = norm
        v.clipped[i] = sq < eps ? 1 : 0
        for k in 0..<d {
            let u = T(Double(p.row(i)[k]) / norm)
            units[i * depth + k] = u
            columns[(i / lanes) * d * lanes + k * lanes + i % lanes] = u
            rowPanels[(k / lanes) * n * lanes + i * lanes + k % lanes] = u
        }
    }
    // Pass 1: shifts, N_i, A_i, losses. The score rows are kept for pass 2 when they fit in
    // `ntxentKeptScores` bytes (and that memory can be had), otherwise pass 2 makes them again.
    let keptCount = scratchCount(blocks * ntxentBlockRows, width)
    let kept = p.grad != nil && keptCount <= ntxentKeptScores / MemoryLayout<T>.stride
        ? try? allocateScratch(keptCount, of: T.self, for: "the NT-Xent score rows") : nil
    defer { if let kept { releaseScratch(kept) } }
    nonisolated(unsafe) let keptRows = kept
    @inline(__always) func scoreRows(_ b: Int, _ run: Int) -> UnsafeMutablePointer<T> {
        keptRows.map { $0 + b * ntxentBlockRows * width } ?? v.rows + run * perRun
    }
    _ = Parallel.sum(blocks: blocks, threads: threads) { b, run in
        let rows = scoreRows(b, run)
        ntxentScores(p, block: b, v.units, lda: depth, v.columns, width: width, invTau: invTau, rows)
        for r in 0..<Swift.min(ntxentBlockRows, n - b * ntxentBlockRows) {
            let i = b * ntxentBlockRows + r
            ntxentAnchorSums(p, i, scores: rows + r * width, width: width, v.order, v.groupEnd,
                             id: v.id, shift: v.shift, neg: v.neg, a: v.a, loss: v.loss, pairs: v.pairs)
        }
        return 0
    }
    var total = 0.0, positives = 0.0
    for i in 0..<n { total += v.loss[i]; positives += v.pairs[i] }
    let scale = p.reduction == .mean ? (positives > 0 ? 1 / positives : 0) : 1
    if let grad = p.grad {
        nonisolated(unsafe) let out = grad
        if scale == 0 {
            out.update(repeating: 0, count: n * d)
        } else {
            _ = Parallel.sum(blocks: blocks, threads: threads) { b, run in
                let coef = v.rows + run * perRun + ntxentBlockRows * width, sums = coef + ntxentBlockRows * width
                let rows = scoreRows(b, run)
                if keptRows == nil {
                    ntxentScores(p, block: b, v.units, lda: depth, v.columns, width: width, invTau: invTau, rows)
                }
                for r in 0..<ntxentBlockRows {
                    let i = b * ntxentBlockRows + r
                    guard i < n else { (coef + r * width).update(repeating: 0, count: width); continue }
                    v.cosSum[i] = ntxentCoefficients(p, i, scores: rows + r * width, coef: coef + r * width,
                                                     width: width, temperature: p.temperature,
                                                     scale: T(scale / p.temperature), v.order, v.groupEnd,
                                                     id: v.id, shift: v.shift, neg: v.neg, a: v.a)
                }
                panelProduct(coef, lda: width, rows: ntxentBlockRows, depth: n, v.rowPanels, width: depth, sums)
                for r in 0..<Swift.min(ntxentBlockRows, n - b * ntxentBlockRows) {
                    let i = b * ntxentBlockRows + r
                    let c = v.clipped[i] != 0 ? 0 : v.cosSum[i]
                    let inverse = 1 / v.norm[i], g = out + i * d, own = v.units + i * depth, acc = sums + r * depth
                    for k in 0..<d { g[k] = T(inverse * (Double(acc[k]) - c * Double(own[k]))) }
                }
                return 0
            }
        }
    }
    return p.reduction == .mean ? total * scale : total
}

/// The most bytes of score rows ``evaluate(_:)-(NTXentProblem<T>)`` keeps from pass 1 for
/// pass 2 (count × count values: 16 MiB for 2048 float32 embeddings), which saves one of its
/// three matrix products; larger batches make the rows again.
@usableFromInline let ntxentKeptScores = 64 << 20

/// Anchors per block of ``evaluate(_:)-(NTXentProblem<T>)``'s passes: each panel of the
/// shared operand is read from memory once per block and used for all its rows from the L1
/// cache (four anchors a block streamed the whole operand from L3 per four rows).
@usableFromInline let ntxentBlockRows = 16

/// The score rows of block b's anchors [16b, 16b + 16) into `rows` (row stride `width`):
/// s_ij = cos_ij / τ by ``panelProduct(_:lda:depth:_:width:_:)``, with the anchor itself and
/// the padding columns at -inf, which keeps them out of the row maximum and makes e^(s - m) 0.
@inlinable
func ntxentScores<T: LossScalar>(_ p: NTXentProblem<T>, block b: Int, _ units: UnsafePointer<T>, lda: Int,
                                 _ columns: UnsafePointer<T>, width: Int, invTau: T, _ rows: UnsafeMutablePointer<T>) {
    typealias V = T.Vector
    let n = p.count, lanes = V.scalarCount
    panelProduct(units + b * ntxentBlockRows * lda, lda: lda, rows: ntxentBlockRows, depth: p.dim, columns,
                 width: width, rows)
    let scale = V(repeating: invTau)
    for r in 0..<ntxentBlockRows {
        let row = rows + r * width
        for j in stride(from: 0, to: width, by: lanes) {
            UnsafeMutableRawPointer(row + j).storeBytes(of: UnsafeRawPointer(row + j).loadUnaligned(as: V.self) * scale,
                                                        as: V.self)
        }
        if b * ntxentBlockRows + r < n { row[b * ntxentBlockRows + r] = -.infinity }
        for j in n..<width { row[j] = -.infinity }
    }
}

/// Pass 1 of ``evaluate(_:)-(NTXentProblem<T>)`` for anchor i, from its row of scores (see
/// ``ntxentScores(_:block:_:lda:_:width:invTau:_:)``): the shift, N_i and A_i (stored in `T`
/// for pass 2), the loss and the number of positives.
@inlinable
func ntxentAnchorSums<T: LossScalar>(_ p: NTXentProblem<T>, _ i: Int, scores row: UnsafePointer<T>, width: Int,
                                     _ order: UnsafePointer<Int>, _ groupEnd: UnsafePointer<Int>,
                                     id: UnsafeMutablePointer<T>, shift: UnsafeMutablePointer<T>,
                                     neg: UnsafeMutablePointer<T>, a: UnsafeMutablePointer<T>,
                                     loss: UnsafeMutablePointer<Double>, pairs: UnsafeMutablePointer<Double>) {
    typealias V = T.Vector
    let lanes = V.scalarCount
    var top = V(repeating: -.infinity)
    for j in stride(from: 0, to: width, by: lanes) { top = maximum(top, UnsafeRawPointer(row + j).loadUnaligned(as: V.self)) }
    var m = T(-Double.infinity)
    for k in 0..<lanes { m = Swift.max(m, top[k]) }
    var negatives = 0.0
    if m != -.infinity {  // -inf: the anchor has no other row to compare with
        let mv = V(repeating: m), own = V(repeating: id[i])
        var j = 0
        while j < width {
            let end = Swift.min(j + accumulationBlock, width)
            var lane = V.zero
            while j < end {
                let e = exp(UnsafeRawPointer(row + j).loadUnaligned(as: V.self) - mv)
                lane += e.replacing(with: 0, where: UnsafeRawPointer(id + j).loadUnaligned(as: V.self) .== own)
                j += lanes
            }
            negatives += lane.sumInDouble
        }
    }
    let nNeg = Double(T(negatives))
    var sumA = 0.0, total = 0.0, count = 0.0
    // The positives: the rest of the anchor's label group.
    var k = Int(id[i])
    while k < groupEnd[i] {
        let j = order[k]
        k += 1
        if j == i { continue }
        let u = Double(row[j]) - Double(m)
        let den = Double._exp(u) + nNeg
        sumA += 1 / den
        total += Double._log(den) - u
        count += 1
    }
    (shift[i], neg[i], a[i]) = (m, T(nNeg), T(sumA))
    (loss[i], pairs[i]) = (total, count)
    if p.reduction == .none { p.losses![i] = T(total) }
}

/// Pass 2 of ``evaluate(_:)-(NTXentProblem<T>)`` for anchor i, from its row of scores: writes
/// c_ij = ∂L/∂cos_ij (through anchor i and anchor j, times `scale` = reduction scale / τ) for
/// every column into `coef` (0 for the anchor itself and the padding) and returns
/// Σ_j c_ij cos_ij = τ Σ_j c_ij s_ij in `Double`.
/// Negatives: c = (e_i A_i + e_j A_j)·scale with e_i = e^(s_ij - m_i); positives:
/// c = (e_i/(e_i + N_i) - 1 + e_j/(e_j + N_j) - 1)·scale, computed one by one in `Double`.
@inlinable
func ntxentCoefficients<T: LossScalar>(_ p: NTXentProblem<T>, _ i: Int, scores: UnsafePointer<T>,
                                       coef: UnsafeMutablePointer<T>, width: Int, temperature: Double, scale: T,
                                       _ order: UnsafePointer<Int>, _ groupEnd: UnsafePointer<Int>,
                                       id: UnsafePointer<T>, shift: UnsafePointer<T>, neg: UnsafePointer<T>,
                                       a: UnsafePointer<T>) -> Double {
    typealias V = T.Vector
    let n = p.count, lanes = V.scalarCount
    let mi = V(repeating: shift[i]), ai = V(repeating: a[i]), sv = V(repeating: scale)
    for j in stride(from: 0, to: width, by: lanes) {
        @inline(__always) func at(_ q: UnsafePointer<T>) -> V { UnsafeRawPointer(q + j).loadUnaligned(as: V.self) }
        let s = at(scores)
        var c = (exp(s - mi) * ai + exp(s - at(shift)) * at(a)) * sv
        if j + lanes > n { c = c.replacing(with: 0, where: laneMask(V.self, n - j)) }
        UnsafeMutableRawPointer(coef + j).storeBytes(of: c, as: V.self)
    }
    coef[i] = 0
    let m = Double(shift[i]), ni = Double(neg[i])
    var k = Int(id[i])
    while k < groupEnd[i] {
        let j = order[k]
        k += 1
        if j == i { continue }
        let s = Double(scores[j])
        let ei = Double._exp(s - m), ej = Double._exp(s - Double(shift[j]))
        coef[j] = T((ei / (ei + ni) - 1 + (ej / (ej + Double(neg[j])) - 1)) * Double(scale))
    }
    var total = 0.0, j = 0
    while j < width {
        let end = Swift.min(j + accumulationBlock, width)
        var lane = V.zero
        while j < end {
            // 0 where c = 0 (the anchor itself, the padding), whose score is -inf.
            let c = UnsafeRawPointer(coef + j).loadUnaligned(as: V.self)
            lane += (c * UnsafeRawPointer(scores + j).loadUnaligned(as: V.self)).replacing(with: 0, where: c .== V.zero)
            j += lanes
        }
        total += lane.sumInDouble
    }
    return temperature * total
}
