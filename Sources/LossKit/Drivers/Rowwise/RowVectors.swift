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

/// The vectors of classes [start, end) of a row, in order: lanes [c, c + lanes), full vectors
/// then at most one partial one. Formulas loop over it with `for (c, lanes) in` rather than
/// passing a closure to a helper: the optimiser left large closure bodies (a vector log, a
/// softmax) as a call per vector, which cost kl_div half its time.
public struct RowVectors<T: LossScalar>: Sequence, IteratorProtocol {
    @usableFromInline let end: Int
    @usableFromInline var c: Int

    /// Every class of a row of `classes`.
    @inlinable
    public init(_: T.Type, _ classes: Int) { self.init(T.self, 0..<classes) }

    /// Classes `range` (a block of ``RowBlocks``).
    @inlinable
    public init(_: T.Type, _ range: Range<Int>) {
        c = range.lowerBound
        end = range.upperBound
    }

    @inlinable @inline(__always)
    public mutating func next() -> (c: Int, lanes: Int)? {
        guard c < end else { return nil }
        let start = c, lanes = Swift.min(T.Vector.scalarCount, end - c)
        c += lanes
        return (start, lanes)
    }
}

/// The accumulation blocks of a row of `classes` classes: ranges of ``accumulationBlock``
/// classes (the last one shorter). A sum over a row adds its terms in the lanes of `T` within
/// a block and the block's lane total in `Double`, as cross-entropy's row sums do: exact
/// enough for a float32 row of any width, and the same for any thread count (blocks depend
/// only on the class index). The sum is written as two nested loops,
///
///     var total = 0.0
///     for block in RowBlocks(r.classes) {
///         var lanes = T.Vector.zero
///         for (c, n) in RowVectors(T.self, block) { lanes += term(c, n) }
///         total += lanes.sumInDouble
///     }
///
/// because with one loop and a test for the block's end, the optimiser made the test
/// branch-free, adding the lanes in `Double` after every vector (entropy: 3x the softmax).
public struct RowBlocks: Sequence, IteratorProtocol {
    @usableFromInline let classes: Int
    @usableFromInline var c = 0

    @inlinable
    public init(_ classes: Int) { self.classes = classes }

    @inlinable @inline(__always)
    public mutating func next() -> Range<Int>? {
        guard c < classes else { return nil }
        let start = c
        c = Swift.min(c + accumulationBlock, classes)
        return start..<c
    }
}
