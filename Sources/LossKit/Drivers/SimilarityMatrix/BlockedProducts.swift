/// The matrix products of NT-Xent, blocked for registers: four rows at a time, one vector of
/// columns per step, so every vector loaded from the shared operand feeds four multiply-adds
/// (four independent chains, which keep a fused multiply-add unit busy) and the four
/// accumulators stay in registers over the whole depth.
///
/// Hand-written rather than a BLAS: a BLAS statically linked into `liblosskit.so` would add a
/// large dependency (and its own thread pool, which would break the library's rule that
/// results are bitwise identical for any thread count), and a dynamically linked one would
/// make the library no longer self-contained. At NT-Xent's shapes (count × count × dim with
/// dim of tens to hundreds) a register-blocked SIMD kernel reaches most of what the vector
/// units can do, and it runs on the library's own threads and `LossVector` types (float32 in
/// 16 lanes, float64 in 8).

/// s + a·b, fused (rounded once) where the build has fused multiply-add (LOSSKIT_FMA, set by
/// setup.py for its x86-64-v3 and v4 builds); the portable build multiplies and adds, because
/// on baseline x86-64 `addingProduct` is a libm call per lane.
@inlinable @inline(__always)
func accumulate<V: LossVector>(_ s: inout V, _ a: V, _ b: V) {
    #if LOSSKIT_FMA
    s = s.addingProduct(a, b)
    #else
    s += a * b
    #endif
}

/// The number of rows a product kernel computes at once.
@usableFromInline let productRows = 4

/// out[r][j] = Σ_{k < depth} a[r][k] · b[k][j] for the `rows` rows r of `a` (row stride `lda`,
/// `rows` a multiple of ``productRows``) and the `width` columns j of b (a multiple of the
/// vector width), with b packed in panels: the values of b[k][j] for the columns j of one
/// vector, k = 0, 1, ... follow one another (panel q holds columns [q·lanes, (q + 1)·lanes)
/// and starts at `panels + q·depth·lanes`). Packed, a panel is read front to back; read from a
/// row-major b it would be a column at a stride of a power of two, whose lines all fall in one
/// set of the L1 cache and evict one another (measured: a third of the speed). Each panel is
/// used for all the rows before the next is read. Out has row stride `width`.
///
/// NT-Xent's score rows are this product with b = Uᵀ (panels of `dim` × lanes), its gradient
/// rows with a = the coefficients and b = U (panels of `count` × lanes).
@inlinable
func panelProduct<T: LossScalar>(_ a: UnsafePointer<T>, lda: Int, rows: Int, depth: Int, _ panels: UnsafePointer<T>,
                                 width: Int, _ out: UnsafeMutablePointer<T>) {
    typealias V = T.Vector
    let lanes = V.scalarCount
    var panel = panels
    for j in stride(from: 0, to: width, by: lanes) {
        for r in stride(from: 0, to: rows, by: productRows) {
            let a0 = a + r * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
            var s0 = V.zero, s1 = V.zero, s2 = V.zero, s3 = V.zero
            for k in 0..<depth {
                let b = UnsafeRawPointer(panel + k * lanes).loadUnaligned(as: V.self)
                accumulate(&s0, V(repeating: a0[k]), b)
                accumulate(&s1, V(repeating: a1[k]), b)
                accumulate(&s2, V(repeating: a2[k]), b)
                accumulate(&s3, V(repeating: a3[k]), b)
            }
            let o = out + r * width + j
            UnsafeMutableRawPointer(o).storeBytes(of: s0, as: V.self)
            UnsafeMutableRawPointer(o + width).storeBytes(of: s1, as: V.self)
            UnsafeMutableRawPointer(o + 2 * width).storeBytes(of: s2, as: V.self)
            UnsafeMutableRawPointer(o + 3 * width).storeBytes(of: s3, as: V.self)
        }
        panel += depth * lanes
    }
}
