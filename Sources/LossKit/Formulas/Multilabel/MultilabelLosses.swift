/// Multi-label losses: every class of a row is a separate yes/no decision. Kinks follow
/// PyTorch's `multilabel_margin_loss`: a hinge term is active when its margin violation is > 0,
/// not at exactly 0 (`Math/Hinge.swift`). NaN in a score gives NaN loss and gradient in its
/// row (PyTorch's kernel skips such terms).

/// PyTorch's `multilabel_soft_margin_loss`: the class-weighted mean over classes of binary
/// cross-entropy with logits, -(1/C) Σ_c w_c [t_c log σ(z_c) + (1 - t_c) log σ(-z_c)].
public struct MultilabelSoftMarginLoss: RowwiseLoss {
    public static let spec = LossSpec(
        name: "multilabel_soft_margin_loss", family: .multilabel, kind: .rowwise, targetDomain: .unitInterval,
        rowTarget: .values, classWeight: "weight",
        formula: "sum_c w_c [t_c softplus(-z_c) + (1 - t_c) softplus(z_c)] / C",
        derivatives: "grad w (sigmoid(z) - t) / C; hess w sigmoid(z) sigmoid(-z) / C")
    public init(parameters: [Double]) {}

    public static var writesEveryClass: Bool { true }

    /// softplus(±z) = max(±z, 0) + log1p(e^-|z|) and σ(±z) from the same e^-|z|.
    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        typealias V = T.Vector
        let inverseC = V(repeating: T(1 / Double(r.classes))), s = V(repeating: T(out.scale))
        var loss = 0.0
        for block in RowBlocks(r.classes) {
            var lossLanes = V.zero
            for (c, lanes) in RowVectors(T.self, block) {
                // Padding lanes have weight 0 (and z = t = 0), so they add 0.
                let z = r.scores(c, lanes, fill: 0), t = r.targets(c, lanes), w = r.weights(c, lanes) * inverseC
                let e = exp(-abs(z))
                let tail = log1p(e)
                let spPos = maximum(z, V.zero) + tail, spNeg = maximum(V.zero - z, V.zero) + tail
                if out.derivatives {
                    let large = 1 / (1 + e), small = e * large
                    let nonNegative = z .>= V.zero
                    let sig = small.replacing(with: large, where: nonNegative)  // σ(z)
                    let sigNeg = large.replacing(with: small, where: nonNegative)  // σ(-z)
                    let sw = s * w
                    // σ(z) - t = (1 - t)σ(z) - tσ(-z), exact at both ends.
                    if let grad = out.grad { out.put(sw * ((1 - t) * sig - t * sigNeg), grad, c, lanes) }
                    if let hess = out.hess { out.put(sw * sig * sigNeg, hess, c, lanes) }
                }
                lossLanes += w * (t * spNeg + (1 - t) * spPos)
            }
            loss += lossLanes.sumInDouble
        }
        return loss
    }
}

/// PyTorch's `multilabel_margin_loss`: with J the target classes (the row's indices before the
/// first -1) and K the other classes, Σ_{j∈J} Σ_{k∈K} max(0, 1 - (z_j - z_k)) / C. A class
/// listed twice counts twice, as in PyTorch.
public struct MultilabelMarginLoss: RowwiseLoss {
    public static let spec = LossSpec(
        name: "multilabel_margin_loss", family: .multilabel, kind: .rowwise, rowTarget: .classIndices,
        formula: "sum_{j in targets} sum_{k not in targets} max(0, 1 - (z_j - z_k)) / C",
        derivatives: "per active pair, 1 - (z_j - z_k) > 0 (as PyTorch, not at 0): grad -1/C at j, +1/C at k; hess 0")
    public init(parameters: [Double]) {}

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        let C = r.classes
        let list = r.indices!
        var count = 0
        while count < C && list[count] != -1 { count += 1 }
        let inverseC = 1 / Double(C)
        var loss = 0.0
        for k in 0..<C {
            var isTarget = false
            for j in 0..<count where list[j] == Int64(k) { isTarget = true; break }
            if isTarget { continue }
            for j in 0..<count {
                let y = Int(list[j])
                let v = 1 - (r[y] - r[k])
                guard !(v <= 0) else { continue }  // active, or NaN (which must reach loss and gradient)
                loss += v
                out.add(k, grad: inverseC * hingeSlope(v))
                out.add(y, grad: -inverseC * hingeSlope(v))
            }
        }
        return loss * inverseC
    }
}
