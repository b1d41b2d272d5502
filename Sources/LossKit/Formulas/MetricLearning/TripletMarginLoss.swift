#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// PyTorch's `triplet_margin_loss` of an anchor a, a positive p and a negative n:
///
///     d(u, v) = ‖u - v + ε‖_p       (PyTorch's `pairwise_distance`: ε is added to the difference)
///     l = max(0, m + d(a, p) - d(a, n))
///
/// With `swap` (Balntas et al.) d(a, n) is replaced by d(p, n) where that is strictly smaller.
/// The gradient of ‖r‖_p is sign(r_k)·|r_k|^(p-1) / ‖r‖_p^(p-1) (0 where ‖r‖_p = 0), and the
/// hinge passes its gradient at 0 like PyTorch's `clamp_min` (see `Math/Hinge.swift`); NaN in
/// any row gives NaN loss and gradients. p is restricted to [1, ∞): below 1
/// the norm's gradient is infinite at a zero coordinate.
public struct TripletMarginLoss: EmbeddingLoss {
    public static let spec = LossSpec(
        name: "triplet_margin_loss", family: .metricLearning, kind: .embedding,
        parameters: [ParameterSpec("margin", default: 1, lower: 0),
                     ParameterSpec("p", default: 2, lower: 1, lowerInclusive: true),
                     ParameterSpec("eps", default: 1e-6)],
        formula: "max(0, margin + d(a, p) - d(a, n)), d(u, v) = |u - v + eps|_p (swap: d(a, n) -> min(d(a, n), d(p, n)))",
        derivatives: "grad of each distance sign(r) |r|^(p-1) / d^(p-1), r = u - v + eps, where margin + d(a, p) - d(a, n) >= 0 (PyTorch's clamp_min: active at 0), else 0; no Hessian")
    public static let arity = 3
    public static let takesTarget = false
    public static let takesSwap = true

    public var margin: Double
    public var p: Double
    public var eps: Double
    public var swap: Bool

    public init(parameters: [Double], swap: Bool) {
        (margin, p, eps, self.swap) = (parameters[0], parameters[1], parameters[2], swap)
    }
    public init(margin: Double = 1, p: Double = 2, eps: Double = 1e-6, swap: Bool = false) {
        (self.margin, self.p, self.eps, self.swap) = (margin, p, eps, swap)
    }

    /// ‖u - v + ε‖_p.
    /// r = u - v + eps on values [k, k + lanes) of the rows; 0 in padding lanes.
    @inlinable @inline(__always)
    func difference<T: LossScalar>(_ u: UnsafePointer<T>, _ v: UnsafePointer<T>, _ k: Int, _ lanes: Int) -> RowVector {
        let r = wide(u, k, lanes) - wide(v, k, lanes) + eps
        return lanes == RowVector.scalarCount ? r : r.replacing(with: 0, where: laneMask(RowVector.self, lanes))
    }

    @inlinable
    func distance<T: LossScalar>(_ u: UnsafePointer<T>, _ v: UnsafePointer<T>, _ dim: Int) -> Double {
        if p == 2 {
            return rowSum(dim) { k, lanes in
                let r = difference(u, v, k, lanes)
                return r * r
            }.squareRoot()
        }
        if p == 1 { return rowSum(dim) { k, lanes in abs(difference(u, v, k, lanes)) } }
        let s = rowSum(dim) { k, lanes in
            let r = difference(u, v, k, lanes)
            var power = RowVector()
            for l in 0..<lanes { power[l] = pow(Swift.abs(r[l]), p) }
            return power
        }
        return pow(s, 1 / p)
    }

    /// ∂d(u, v)/∂u on values [k, k + lanes): sign(r) |r|^(p-1) / d^(p-1), 0 where d = 0.
    @inlinable @inline(__always)
    func slope<T: LossScalar>(_ u: UnsafePointer<T>, _ v: UnsafePointer<T>, _ k: Int, _ lanes: Int,
                              _ d: Double) -> RowVector {
        if d == 0 { return RowVector() }
        let r = difference(u, v, k, lanes)
        if p == 2 { return r / d }
        if p == 1 { return sign(r) }
        var out = RowVector()
        for l in 0..<lanes {
            let x = r[l]
            out[l] = (x > 0 ? 1 : (x < 0 ? -1 : 0)) * pow(Swift.abs(x) / d, p - 1)
        }
        return out
    }

    @inlinable
    public func evaluate<T: LossScalar>(_ r: EmbeddingRows<T>, scale: Double) -> Double {
        let (a, pos, neg, dim) = (r.x0, r.x1, r.x2, r.dim)
        let dap = distance(a, pos, dim)
        var dan = distance(a, neg, dim)
        var swapped = false
        if swap {
            let dpn = distance(pos, neg, dim)
            if dpn < dan { (dan, swapped) = (dpn, true) }
        }
        let u = margin + dap - dan
        let loss = hinge(u)
        let s = scale * clampMinSlope(u)
        if swapped {
            r.write(r.grad0, s) { k, n in slope(a, pos, k, n, dap) }
            r.write(r.grad1, s) { k, n in -slope(a, pos, k, n, dap) - slope(pos, neg, k, n, dan) }
            r.write(r.grad2, s) { k, n in slope(pos, neg, k, n, dan) }
        } else {
            r.write(r.grad0, s) { k, n in slope(a, pos, k, n, dap) - slope(a, neg, k, n, dan) }
            r.write(r.grad1, s) { k, n in -slope(a, pos, k, n, dap) }
            r.write(r.grad2, s) { k, n in slope(a, neg, k, n, dan) }
        }
        return loss
    }
}
