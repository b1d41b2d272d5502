/// The loops row-wise formulas are written with: a row of C classes taken a vector of classes
/// at a time (`T.Vector.scalarCount` lanes), full vectors first and the partial last one with
/// the row's `slack` (one load and one store where the following rows of the block may be
/// touched; see `load(_:_:_:fill:slack:)`).

extension Row {
    /// Lanes [c, c + lanes) of the scores; padding lanes `fill`.
    @inlinable @inline(__always)
    func scores(_ c: Int, _ lanes: Int, fill: T) -> T.Vector { load(z, c, lanes, fill: fill, slack: slack) }

    /// Lanes [c, c + lanes) of the target values; padding lanes 0.
    @inlinable @inline(__always)
    func targets(_ c: Int, _ lanes: Int) -> T.Vector { load(values!, c, lanes, fill: 0, slack: slack) }

    /// Lanes [c, c + lanes) of the class weights (1 without them); padding lanes 0.
    @inlinable @inline(__always)
    func weights(_ c: Int, _ lanes: Int) -> T.Vector {
        var w = T.Vector(repeating: 1)  // `if let`, not `Optional.map`, which would stay a call per vector
        if let classWeight { w = load(classWeight, c, lanes) }
        return lanes < T.Vector.scalarCount ? w.replacing(with: 0, where: laneMask(T.Vector.self, lanes)) : w
    }
}

extension RowOutputs {
    /// Writes lanes [c, c + lanes) of `v` to `p` (a row of this output).
    @inlinable @inline(__always)
    func put(_ v: T.Vector, _ p: UnsafeMutablePointer<T>, _ c: Int, _ lanes: Int) {
        store(v, p, c, lanes, slack: slack)
    }
}

/// Calls `body(c, lanes)` for each vector of a row of `classes` classes, in order. One call
/// site for full and partial vectors, as in cross-entropy's passes: with two, the optimiser
/// left large bodies as a closure call per vector.
@inlinable @inline(__always)
func forEachVector<T: LossScalar>(_: T.Type, _ classes: Int, _ body: (Int, Int) -> Void) {
    let width = T.Vector.scalarCount
    var c = 0
    while c < classes {
        let lanes = Swift.min(width, classes - c)
        body(c, lanes)
        c += lanes
    }
}

/// Σ over a row of `term(c, lanes)` (which must be 0 in padding lanes), summed in the lanes
/// of `T` over blocks of ``accumulationBlock`` classes whose lane totals are added in
/// `Double`, as cross-entropy's row sums are: exact enough for a float32 row of any width,
/// and the same for any thread count.
@inlinable @inline(__always)
func sumOverRow<T: LossScalar>(_: T.Type, _ classes: Int, _ term: (Int, Int) -> T.Vector) -> Double {
    sumsOverRow(T.self, classes) { c, lanes in (term(c, lanes), .zero, .zero) }.0
}

/// Three sums over a row at once, as ``sumOverRow(_:_:_:)`` (the unused ones cost nothing
/// once inlined).
@inlinable @inline(__always)
func sumsOverRow<T: LossScalar>(_: T.Type, _ classes: Int, _ terms: (Int, Int) -> (T.Vector, T.Vector, T.Vector))
    -> (Double, Double, Double) {
    typealias V = T.Vector
    let width = V.scalarCount
    var totals = (0.0, 0.0, 0.0), c = 0
    while c < classes {
        let blockEnd = Swift.min(c + accumulationBlock, classes)
        var a = V.zero, b = V.zero, d = V.zero
        while c < blockEnd {
            let lanes = Swift.min(width, blockEnd - c)
            let (x, y, z) = terms(c, lanes)
            a += x
            b += y
            d += z
            c += lanes
        }
        totals.0 += a.sumInDouble
        totals.1 += b.sumInDouble
        totals.2 += d.sumInDouble
    }
    return totals
}
