/// The two matrix products of NT-Xent, blocked for registers: four rows at a time, one vector
/// of columns per step, so every value loaded from the shared operand feeds four
/// multiply-adds and the four accumulators stay in registers over the whole depth.
///
/// Hand-written rather than a BLAS: a BLAS statically linked into `liblosskit.so` would add a
/// large dependency (and its own thread pool, which would break the library's rule that
/// results are bitwise identical for any thread count), and a dynamically linked one would
/// make the library no longer self-contained. At NT-Xent's shapes (count × count × dim with
/// dim of tens to hundreds) a register-blocked SIMD kernel reaches most of what the vector
/// units can do, and it runs on the library's own threads and `LossVector` types (float32 in
/// 16 lanes, float64 in 8).

/// The number of rows a product kernel computes at once.
@usableFromInline let productRows = 4

/// out[r][j] = Σ_{k < depth} a[r][k] · bt[k][j] for the four rows r of `a` (row stride `lda`)
/// and every column j < `width` of `bt` (row stride `width`, a multiple of the vector width):
/// four rows of the Gram matrix when `bt` is the transposed embeddings. Out has row stride
/// `width`.
@inlinable
func gramRows<T: LossScalar>(_ a: UnsafePointer<T>, lda: Int, _ bt: UnsafePointer<T>, width: Int, depth: Int,
                             _ out: UnsafeMutablePointer<T>) {
    typealias V = T.Vector
    let lanes = V.scalarCount
    let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
    for j in stride(from: 0, to: width, by: lanes) {
        var s0 = V.zero, s1 = V.zero, s2 = V.zero, s3 = V.zero
        var column = bt + j
        for k in 0..<depth {
            let b = UnsafeRawPointer(column).loadUnaligned(as: V.self)
            s0 += V(repeating: a0[k]) * b
            s1 += V(repeating: a1[k]) * b
            s2 += V(repeating: a2[k]) * b
            s3 += V(repeating: a3[k]) * b
            column += width
        }
        UnsafeMutableRawPointer(out + j).storeBytes(of: s0, as: V.self)
        UnsafeMutableRawPointer(out + width + j).storeBytes(of: s1, as: V.self)
        UnsafeMutableRawPointer(out + 2 * width + j).storeBytes(of: s2, as: V.self)
        UnsafeMutableRawPointer(out + 3 * width + j).storeBytes(of: s3, as: V.self)
    }
}

/// out[r][k] = Σ_{j < count} c[r][j] · b[j][k] for the four rows r of `c` (row stride `ldc`)
/// and every column k < `width` of `b` (row stride `width`, a multiple of the vector width):
/// four rows of the NT-Xent gradient when `c` holds the coefficients and `b` the unit
/// embeddings. Out has row stride `width`.
@inlinable
func weightedRowSums<T: LossScalar>(_ c: UnsafePointer<T>, ldc: Int, count: Int, _ b: UnsafePointer<T>, width: Int,
                                    _ out: UnsafeMutablePointer<T>) {
    typealias V = T.Vector
    let lanes = V.scalarCount
    let c0 = c, c1 = c + ldc, c2 = c + 2 * ldc, c3 = c + 3 * ldc
    for k in stride(from: 0, to: width, by: lanes) {
        var s0 = V.zero, s1 = V.zero, s2 = V.zero, s3 = V.zero
        var row = b + k
        for j in 0..<count {
            let v = UnsafeRawPointer(row).loadUnaligned(as: V.self)
            s0 += V(repeating: c0[j]) * v
            s1 += V(repeating: c1[j]) * v
            s2 += V(repeating: c2[j]) * v
            s3 += V(repeating: c3[j]) * v
            row += width
        }
        UnsafeMutableRawPointer(out + k).storeBytes(of: s0, as: V.self)
        UnsafeMutableRawPointer(out + width + k).storeBytes(of: s1, as: V.self)
        UnsafeMutableRawPointer(out + 2 * width + k).storeBytes(of: s2, as: V.self)
        UnsafeMutableRawPointer(out + 3 * width + k).storeBytes(of: s3, as: V.self)
    }
}
