/// How per-element (or per-row) losses become the returned value. Raw values are the C ABI's.
public enum Reduction: Int32, Sendable {
    /// One loss per element (per row for row-wise losses), weighted; derivatives of each.
    case none = 0
    /// The weighted mean: Σ wᵢ·lᵢ / Σ wᵢ (Σ over elements; 1 per element without weights).
    /// The mean over an empty set (no elements, every weight 0, every target ignored) is 0,
    /// with zero gradient and Hessian, rather than NaN.
    case mean = 1
    /// The weighted sum Σ wᵢ·lᵢ.
    case sum = 2
}

/// How weights enter the denominator of ``Reduction/mean``.
public enum Weighting: Int32, Sendable {
    /// `sample_weight`: the mean is Σ w·l / Σ w.
    case normalized = 0
    /// PyTorch's rescaling `weight` of BCE: the mean is Σ w·l / (number of elements).
    case rescale = 1
}

/// Elements per accumulation block. Each block is summed in SIMD lanes of the input type and
/// its total added to a `Double`; blocks are combined in index order, so results do not depend
/// on how blocks are spread over threads. 2048 keeps a float32 lane sum to 128 terms, which
/// holds the relative error of a 10⁷-element mean near 1e-9.
public let accumulationBlock = 2048

extension LossVector {
    /// The lanes added in `Double`, pairwise: the halves of the vector added lane by lane, then
    /// the halves of that, down to one lane. A few vector additions, where adding lane after
    /// lane is a chain of 16 scalar additions that a row-wise kernel waits for once per row.
    @inlinable @inline(__always)
    var sumInDouble: Double { _sumInDouble() }
}

/// p[0] + ... + p[n - 1] in `Double`: a vector at a time (its lanes summed pairwise), so the
/// chain of dependent additions is one per vector, not one per element; the tail lane by lane.
@inlinable
func sumInDouble<T: LossScalar>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
    let width = T.Vector.scalarCount
    var s = 0.0, j = 0
    while j + width <= n {
        s += load(p, j, width).sumInDouble
        j += width
    }
    while j < n { s += Double(p[j]); j += 1 }
    return s
}
