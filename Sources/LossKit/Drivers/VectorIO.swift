/// Loads and stores between arrays and ``LossVector``s for the drivers: full vectors with one
/// unaligned access, partial vectors (the tail) lane by lane with zero padding.

/// Lanes `[i, i + lanes)` of `p`; lanes past `lanes` are 0.
@inlinable @inline(__always)
func load<T: LossScalar>(_ p: UnsafePointer<T>, _ i: Int, _ lanes: Int) -> T.Vector {
    if lanes == T.Vector.scalarCount {
        return UnsafeRawPointer(p + i).loadUnaligned(as: T.Vector.self)
    }
    var v = T.Vector.zero
    for k in 0..<lanes { v[k] = p[i + k] }
    return v
}

/// Lanes `[i, i + lanes)` of `p`; padding lanes filled with `fill`.
@inlinable @inline(__always)
func load<T: LossScalar>(_ p: UnsafePointer<T>, _ i: Int, _ lanes: Int, fill: T) -> T.Vector {
    if lanes == T.Vector.scalarCount {
        return UnsafeRawPointer(p + i).loadUnaligned(as: T.Vector.self)
    }
    var v = T.Vector(repeating: fill)
    for k in 0..<lanes { v[k] = p[i + k] }
    return v
}

/// Writes the first `lanes` lanes of `v` to `p[i...]`.
@inlinable @inline(__always)
func store<T: LossScalar>(_ v: T.Vector, _ p: UnsafeMutablePointer<T>, _ i: Int, _ lanes: Int) {
    if lanes == T.Vector.scalarCount {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: T.Vector.self)
    } else {
        for k in 0..<lanes { p[i + k] = v[k] }
    }
}

/// Lanes `[i, i + lanes)` of `p`, padding lanes filled with `fill`, where the `slack` elements
/// after them may be read as well (rows the same thread handles next): a partial vector then
/// costs one full load and a select instead of a loop over lanes.
@inlinable @inline(__always)
func load<T: LossScalar>(_ p: UnsafePointer<T>, _ i: Int, _ lanes: Int, fill: T, slack: Int) -> T.Vector {
    guard lanes < T.Vector.scalarCount, lanes + slack >= T.Vector.scalarCount else { return load(p, i, lanes, fill: fill) }
    return UnsafeRawPointer(p + i).loadUnaligned(as: T.Vector.self)
        .replacing(with: fill, where: laneMask(T.Vector.self, lanes))
}

/// Writes lanes `[i, i + lanes)` of `v` to `p`. Where the `slack` elements after them may be
/// overwritten (outputs of rows the same thread writes next, in order), a partial vector is
/// one full store, its padding lanes landing where those rows' values will go.
@inlinable @inline(__always)
func store<T: LossScalar>(_ v: T.Vector, _ p: UnsafeMutablePointer<T>, _ i: Int, _ lanes: Int, slack: Int) {
    store(v, p, i, lanes + slack >= T.Vector.scalarCount ? T.Vector.scalarCount : lanes)
}

/// `p[(i + k) / period]` for each lane k: a value per group of `period` consecutive elements.
@inlinable @inline(__always)
func gather<T: LossScalar>(_ p: UnsafePointer<T>, _ i: Int, _ lanes: Int, period: Int) -> T.Vector {
    if period == 1 { return load(p, i, lanes) }
    var v = T.Vector.zero
    var (group, offset) = i.quotientAndRemainder(dividingBy: period)
    for k in 0..<lanes {
        v[k] = p[group]
        offset += 1
        if offset == period { offset = 0; group += 1 }
    }
    return v
}

/// `p[(i + k) % period]` for each lane k: a value per column, repeating every `period` elements.
/// Lanes that do not wrap around (always, for one value per element) are one contiguous load.
@inlinable @inline(__always)
func cycle<T: LossScalar>(_ p: UnsafePointer<T>, _ i: Int, _ lanes: Int, period: Int) -> T.Vector {
    if period == 1 { return T.Vector(repeating: p[0]) }
    var column = i % period
    if column + lanes <= period { return load(p, column, lanes) }
    var v = T.Vector.zero
    for k in 0..<lanes {
        v[k] = p[column]
        column += 1
        if column == period { column = 0 }
    }
    return v
}

/// The lanes at index `lanes` and above: the padding of a partial vector. One comparison of
/// the lane numbers (a constant vector, ``LossVector/_laneNumbers``) with `lanes`. Built by a
/// loop over lanes, the lane numbers stayed a loop of scalar insertions in the row-wise
/// formulas' loops, whose lane count is not a constant (measured: up to 15% of
/// multilabel_soft_margin_loss on the x86-64-v4 build, nothing on the portable one).
@inlinable @inline(__always)
func laneMask<V: LossVector>(_: V.Type, _ lanes: Int) -> SIMDMask<V.MaskStorage> {
    V._laneNumbers .>= V(repeating: V.Scalar(lanes))
}
