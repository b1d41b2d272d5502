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
    @inlinable
    func distance<T: LossScalar>(_ u: UnsafePointer<T>, _ v: UnsafePointer<T>, _ dim: Int) -> Double {
        var s = 0.0
        if p == 2 {
            for k in 0..<dim { let r = Double(u[k]) - Double(v[k]) + eps; s += r * r }
            return s.squareRoot()
        }
        if p == 1 {
            for k in 0..<dim { s += Swift.abs(Double(u[k]) - Double(v[k]) + eps) }
            return s
        }
        for k in 0..<dim { s += pow(Swift.abs(Double(u[k]) - Double(v[k]) + eps), p) }
        return pow(s, 1 / p)
    }

    /// ∂‖r‖_p/∂r_k for r = u - v + ε, with d = ‖r‖_p.
    @inlinable @inline(__always)
    func slope<T: LossScalar>(_ u: UnsafePointer<T>, _ v: UnsafePointer<T>, _ k: Int, _ d: Double) -> Double {
        let r = Double(u[k]) - Double(v[k]) + eps
        if d == 0 { return 0 }
        if p == 2 { return r / d }
        let sign: Double = r > 0 ? 1 : (r < 0 ? -1 : 0)
        if p == 1 { return sign }
        return sign * pow(Swift.abs(r) / d, p - 1)
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
            r.write(r.grad0, s) { k in slope(a, pos, k, dap) }
            r.write(r.grad1, s) { k in -slope(a, pos, k, dap) - slope(pos, neg, k, dan) }
            r.write(r.grad2, s) { k in slope(pos, neg, k, dan) }
        } else {
            r.write(r.grad0, s) { k in slope(a, pos, k, dap) - slope(a, neg, k, dan) }
            r.write(r.grad1, s) { k in -slope(a, pos, k, dap) }
            r.write(r.grad2, s) { k in slope(a, neg, k, dan) }
        }
        return loss
    }
}
