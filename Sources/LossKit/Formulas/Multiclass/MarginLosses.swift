/// Multiclass margin losses over a row of scores. Kinks follow PyTorch's `multi_margin_loss`: a
/// hinge term is active when its margin violation is > 0, and contributes nothing at exactly 0
/// (`Math/Hinge.swift` states the rule for every hinge). NaN in a score gives NaN loss and
/// gradient in its row (PyTorch's kernel skips such terms and returns a finite loss).

/// PyTorch's `multi_margin_loss` (Weston–Watkins): Σ_{c≠y} w_y max(0, margin - z_y + z_c)^p / C,
/// p ∈ {1, 2}; the class weight multiplies outside the power, as PyTorch's kernel does.
public struct MultiMarginLoss: RowwiseLoss {
    public static let spec = LossSpec(
        name: "multi_margin_loss", family: .multiclass, kind: .rowwise,
        parameters: [ParameterSpec("p", default: 1, lower: 1, lowerInclusive: true, upper: 2, upperInclusive: true),
                     ParameterSpec("margin", default: 1)],
        rowTarget: .classIndex, classWeight: "weight",
        formula: "sum_{c != y} w_y max(0, margin - z_y + z_c)^p / C, p in {1, 2}",
        derivatives: "per active term v = margin - z_y + z_c > 0 (as PyTorch, not at 0): grad +-w_y p v^(p-1) / C at c and y; hess 0 (p = 1) or 2 w_y / C at c and y (p = 2)")
    public let p: Double, margin: Double
    public init(parameters: [Double]) {
        p = parameters[0]
        margin = parameters[1]
    }

    public static func check(parameters: [Double]) throws(LossKitError) {
        guard parameters[0] == 1 || parameters[0] == 2 else {
            throw LossKitError(.invalidArgument, "multi_margin_loss: p must be 1 or 2, got \(format(parameters[0]))")
        }
    }

    public static var writesEveryClass: Bool { true }

    /// A vector of classes at a time: v = (margin - z_y) + z_c, with class y's own lane set to
    /// -inf (no term); class y's derivatives are minus the sum of the others'.
    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        typealias V = T.Vector
        let y = r.index
        let w = r.weight(y) / Double(r.classes)
        let shift = V(repeating: T(margin - r[y]))
        let s = V(repeating: T(out.scale * w))
        let squared = p == 2
        // Σ max(0, v)^p; Σ of the slopes (1 or NaN per active term for p = 1, v for p = 2);
        // the number of active (or NaN) terms, each adding 2w to class y's Hessian for p = 2.
        var loss = 0.0, slopes = 0.0, active = 0.0
        for block in RowBlocks(r.classes) {
            var lossLanes = V.zero, slopeLanes = V.zero, activeLanes = V.zero
            for (c, lanes) in RowVectors(T.self, block) {
                var v = shift + r.scores(c, lanes, fill: -.infinity)
                if y >= c && y < c + lanes { v[y - c] = -.infinity }
                let hinge = v.replacing(with: 0, where: v .<= V.zero)  // max(0, v); NaN stays NaN
                if squared {
                    let on = V.zero.replacing(with: 1, where: .!(v .<= V.zero))
                    lossLanes += hinge * hinge
                    slopeLanes += hinge
                    activeLanes += on
                    if let grad = out.grad { out.put(2 * s * hinge, grad, c, lanes) }
                    if let hess = out.hess { out.put(2 * s * on, hess, c, lanes) }
                } else {
                    let step = positiveStep(v)
                    lossLanes += hinge
                    slopeLanes += step
                    if let grad = out.grad { out.put(s * step, grad, c, lanes) }
                    if let hess = out.hess { out.put(V.zero, hess, c, lanes) }
                }
            }
            loss += lossLanes.sumInDouble
            slopes += slopeLanes.sumInDouble
            active += activeLanes.sumInDouble
        }
        let factor = squared ? 2 * out.scale * w : out.scale * w
        out.grad?[y] = T(-factor * slopes)
        out.hess?[y] = squared ? T(factor * active) : 0
        return w * loss
    }
}

/// optax's `multiclass_hinge_loss` (Crammer–Singer): max_k(z_k + 1 - [k = y]) - z_y. The
/// gradient is +1 at the maximising k and -1 at y (0 when k = y). The loss is 0 exactly when
/// the target's own term z_y is a maximum, so a tie with it keeps k = y: the kink where the
/// loss becomes flat has gradient 0, the rule of every hinge PyTorch lacks (`Math/Hinge.swift`).
/// Other ties go to the first class. NaN in a score gives NaN loss and gradient.
public struct MulticlassHingeLoss: RowwiseLoss {
    public static let spec = LossSpec(
        name: "multiclass_hinge_loss", family: .multiclass, kind: .rowwise, rowTarget: .classIndex,
        formula: "max_k (z_k + 1 - [k = y]) - z_y",
        derivatives: "grad +1 at the maximising k, -1 at y (0 if k = y, which wins ties: 0 at the kink); hess 0")
    public init(parameters: [Double]) {}

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        let y = r.index
        var best = r[y], k = y
        for c in 0..<r.classes where c != y {
            let v = r[c] + 1
            if v > best || v.isNaN { (best, k) = (v, c) }
        }
        let slope = best.isNaN ? best : 1
        out.add(k, grad: slope)
        out.add(y, grad: -slope)
        return best - r[y]
    }
}

