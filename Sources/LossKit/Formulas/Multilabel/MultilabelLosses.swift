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

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        let inverseC = 1 / Double(r.classes)
        var loss = 0.0
        for c in 0..<r.classes {
            let z = r[c], t = r.value(c), w = r.weight(c) * inverseC
            // softplus(±z) = max(±z, 0) + log1p(e^-|z|)
            let tail = Double._log1p(Double._exp(-Swift.abs(z)))
            let spPos = Swift.max(z, 0) + tail, spNeg = Swift.max(-z, 0) + tail
            loss += w * (t * spNeg + (1 - t) * spPos)
            if out.derivatives {
                let e = Double._exp(-Swift.abs(z))
                let sig = z >= 0 ? 1 / (1 + e) : e / (1 + e)  // σ(z)
                let sigNeg = z >= 0 ? e / (1 + e) : 1 / (1 + e)  // σ(-z)
                // σ(z) - t = (1 - t)σ(z) - tσ(-z), exact at both ends.
                out.set(c, grad: w * ((1 - t) * sig - t * sigNeg), hess: w * sig * sigNeg)
            }
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
