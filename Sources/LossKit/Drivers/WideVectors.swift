/// Arithmetic in `Double` on vectors of 8 lanes over arrays of either scalar type: values are
/// widened to `Double` eight at a time (one vector conversion for float32), so the embedding
/// formulas' dot products, norms and distances and the Lovász driver's probabilities keep the
/// accuracy of `Double` while running at vector speed; sums add the lanes pairwise at the end.

/// The `Double` vector of this arithmetic.
public typealias RowVector = SIMD8<Double>

/// Values [i, i + lanes) of `p` widened to `Double`; padding lanes are 0.
@inlinable @inline(__always)
func wide<T: LossScalar>(_ p: UnsafePointer<T>, _ i: Int, _ lanes: Int) -> RowVector {
    var v = RowVector()
    if lanes == RowVector.scalarCount {
        for k in 0..<RowVector.scalarCount { v[k] = Double(p[i + k]) }
    } else {
        for k in 0..<lanes { v[k] = Double(p[i + k]) }
    }
    return v
}

/// Writes lanes [0, lanes) of `v`, rounded to `T`, to `p[i...]`.
@inlinable @inline(__always)
func storeNarrowed<T: LossScalar>(_ v: RowVector, _ p: UnsafeMutablePointer<T>, _ i: Int, _ lanes: Int) {
    if lanes == RowVector.scalarCount {
        for k in 0..<RowVector.scalarCount { p[i + k] = T(v[k]) }
    } else {
        for k in 0..<lanes { p[i + k] = T(v[k]) }
    }
}

/// Σ_k body(k, lanes) over a row of `dim` values, a vector of 8 values at a time (the last
/// one partial, its padding lanes 0 in what `wide` loads), in two `Double` accumulators.
/// `body` must give 0 in padding lanes.
@inlinable @inline(__always)
func rowSum(_ dim: Int, _ body: (Int, Int) -> RowVector) -> Double {
    let width = RowVector.scalarCount
    var s0 = RowVector(), s1 = RowVector(), k = 0
    while k + 2 * width <= dim {
        s0 += body(k, width)
        s1 += body(k + width, width)
        k += 2 * width
    }
    while k < dim {
        s0 += body(k, Swift.min(width, dim - k))
        k += width
    }
    return (s0 + s1)._sumInDouble()
}

/// Σ_k a_k b_k over `dim` values, in `Double`.
@inlinable @inline(__always)
func dot<T: LossScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ dim: Int) -> Double {
    rowSum(dim) { k, lanes in wide(a, k, lanes) * wide(b, k, lanes) }
}
