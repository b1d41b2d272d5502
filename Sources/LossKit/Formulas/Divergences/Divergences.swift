/// Divergences between a row's predicted distribution and a target distribution, and the
/// predictive entropy. Natural logarithms throughout (nats).

/// PyTorch's `kl_div`: the input holds log q, and each element is t (log t - x) (or, with
/// `log_target`, e^t (t - x)). A target of 0 contributes 0 (also where x = -inf, where PyTorch
/// gives NaN). Reduction 'none' returns the elements, 'mean' divides by the element count,
/// 'batchmean' by the row count, as in PyTorch.
///
/// Only the derivatives with respect to the input are computed. The gradient with respect to
/// the target would be log t + 1 - x (or e^t (t + 1 - x) with `log_target`).
public struct KLDivLoss: RowwiseLoss {
    public static let spec = LossSpec(
        name: "kl_div", family: .divergences, kind: .rowwise,
        parameters: [.flag("log_target", default: false)],
        rowTarget: .values,
        formula: "t (log t - x), 0 where t = 0; e^t (t - x) if log_target (x = log q)",
        derivatives: "grad -t (-e^t if log_target); hess 0")
    public static var mean: RowMean { .elements }
    public static var elementLosses: Bool { true }
    public let logTarget: Bool
    public init(parameters: [Double]) { logTarget = parameters[0] != 0 }

    public static func check(parameters: [Double]) throws(LossKitError) {
        guard parameters[0] == 0 || parameters[0] == 1 else {
            throw LossKitError(.invalidArgument, "kl_div: log_target must be 0 or 1 (false or true), got \(format(parameters[0]))")
        }
    }

    public static var writesEveryClass: Bool { true }

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        typealias V = T.Vector
        let s = V(repeating: T(out.scale)), elementScale = V(repeating: T(out.lossScale))
        var loss = 0.0
        for block in RowBlocks(r.classes) {
            var lossLanes = V.zero
            for (c, lanes) in RowVectors(T.self, block) {
                // Padding lanes: t = 0 and x = 0, so l = 0 (e^0·(0 - 0) with log_target).
                let t = r.targets(c, lanes), x = r.scores(c, lanes, fill: 0)
                let l: V, minusG: V
                if logTarget {
                    let e = exp(t)
                    (l, minusG) = (absorbingProduct(e, t - x), e)
                } else {
                    (l, minusG) = (absorbingProduct(t, log(t) - x), t)
                }
                if let losses = out.elementLosses { out.put(elementScale * l, losses, c, lanes) }
                if let grad = out.grad { out.put(s * (V.zero - minusG), grad, c, lanes) }  // +0 where t = 0
                if let hess = out.hess { out.put(V.zero, hess, c, lanes) }
                lossLanes += l
            }
            loss += lossLanes.sumInDouble
        }
        return loss
    }
}

/// Jensen–Shannon divergence between the target distribution t and q = softmax(z):
/// JS = ½ KL(t ‖ m) + ½ KL(q ‖ m), m = (t + q)/2, in nats (0 ≤ JS ≤ log 2).
///
/// With a_c = ½ log(q_c/m_c), ā = Σ q_c a_c, η_c = ½ t_c q_c/(t_c + q_c) and H = Σ η_c:
///
///     ∂JS/∂z_c = q_c (a_c - ā)
///     ∂²JS/∂z_c² = η_c (1 - 2q_c) + q_c² H + q_c (1 - 2q_c)(a_c - ā)
public struct JensenShannonDivergence: RowwiseLoss {
    public static let spec = LossSpec(
        name: "jensen_shannon_divergence", family: .divergences, kind: .rowwise, targetDomain: .unitInterval, rowTarget: .values,
        formula: "KL(t || m)/2 + KL(q || m)/2, m = (t + q)/2, q = softmax(z), in nats",
        derivatives: "grad q (a - sum q a), a = log(q/m)/2; hess eta (1 - 2q) + q^2 sum eta + q (1 - 2q)(a - sum q a), eta = t q / (2 (t + q))")
    public init(parameters: [Double]) {}

    public static var writesEveryClass: Bool { true }

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        typealias V = T.Vector
        let sm = SoftmaxRow(r, keepingExponentialsIn: out.grad ?? out.hess)
        let inverseS = V(repeating: T(1 / sm.sums.sum)), logS = V(repeating: T(sm.sums.logSumExp))
        let ln2 = V(repeating: T(0.6931471805599453))
        /// q, log q, t and log m = log(t + q) - log 2 of lanes [c, c + lanes) (0, -inf, 0 and
        /// -inf in padding lanes).
        @inline(__always) func terms(_ c: Int, _ lanes: Int) -> (q: V, logQ: V, t: V, logM: V) {
            let q = sm.exponential(r, c, lanes) * inverseS, t = r.targets(c, lanes)
            return (q, sm.shifted(r, c, lanes) - logS, t, log(t + q) - ln2)
        }
        /// ½ t q/(t + q), 0 where t + q <= 0 (a NaN passes, as in every test here: NaN fails
        /// every comparison, so the masks let it through to the loss and derivatives).
        @inline(__always) func eta(_ q: V, _ t: V) -> V {
            (0.5 * t * q / (t + q)).replacing(with: 0, where: t + q .<= V.zero)
        }
        // Terms with t = 0 or q = 0 are 0 (0 log 0 = 0).
        var loss = 0.0, qLoss = 0.0, etaSum = 0.0
        for block in RowBlocks(r.classes) {
            var lossLanes = V.zero, qLossLanes = V.zero, etaLanes = V.zero
            for (c, lanes) in RowVectors(T.self, block) {
                let (q, logQ, t, logM) = terms(c, lanes)
                let qTerm = (q * (logQ - logM)).replacing(with: 0, where: q .<= V.zero)
                let tTerm = (t * (log(t) - logM)).replacing(with: 0, where: t .<= V.zero)
                lossLanes += qTerm + tTerm
                qLossLanes += qTerm
                etaLanes += eta(q, t)
            }
            loss += lossLanes.sumInDouble
            qLoss += qLossLanes.sumInDouble
            etaSum += etaLanes.sumInDouble
        }
        guard out.derivatives else { return 0.5 * loss }
        let s = V(repeating: T(out.scale))
        let aBarV = V(repeating: T(0.5 * qLoss)), etaSumV = V(repeating: T(etaSum))
        for (c, lanes) in RowVectors(T.self, r.classes) {
            let (q, logQ, t, logM) = terms(c, lanes)
            let d = 0.5 * (logQ - logM) - aBarV
            let none = q .<= V.zero
            if let hess = out.hess {
                let oneMinus2q: V = 1 - 2 * q
                let spread: V = eta(q, t) * oneMinus2q + q * q * etaSumV
                let h: V = spread + q * oneMinus2q * d
                out.put((s * h).replacing(with: 0, where: none), hess, c, lanes)
            }
            if let grad = out.grad { out.put((s * q * d).replacing(with: 0, where: none), grad, c, lanes) }
        }
        return 0.5 * loss
    }
}

/// The predictive entropy of q = softmax(z), H = -Σ_c q_c log q_c, in nats (an uncertainty
/// score for active learning; no target). With ℓ_c = log q_c:
///
///     ∂H/∂z_c = -q_c (ℓ_c + H),   ∂²H/∂z_c² = -q_c (1 - q_c)(ℓ_c + H + 1) + q_c² (ℓ_c + H)
public struct SoftmaxEntropy: RowwiseLoss {
    public static let spec = LossSpec(
        name: "entropy", family: .divergences, kind: .rowwise, rowTarget: RowTarget.none,
        formula: "-sum_c q_c log q_c, q = softmax(z), in nats",
        derivatives: "grad -q (log q + H); hess -q (1 - q)(log q + H + 1) + q^2 (log q + H)")
    public init(parameters: [Double]) {}

    public static var writesEveryClass: Bool { true }

    /// H = log S - Σ_c e^(z_c - m)(z_c - m)/S (Σ q_c = 1): one sum over the row after the
    /// softmax pass, with no logarithm per class.
    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        typealias V = T.Vector
        let sm = SoftmaxRow(r, keepingExponentialsIn: out.grad ?? out.hess)
        // 0 log 0 = 0: a term with e = 0 (z = -inf) is 0; NaN passes (see Jensen–Shannon).
        var weighted = 0.0
        for block in RowBlocks(r.classes) {
            var lanes = V.zero
            for (c, n) in RowVectors(T.self, block) {
                lanes += absorbingProduct(sm.exponential(r, c, n), sm.shifted(r, c, n))
            }
            weighted += lanes.sumInDouble
        }
        let h = sm.sums.logSumExp - weighted / sm.sums.sum
        guard out.derivatives else { return h }
        let s = V(repeating: T(out.scale))
        let inverseS = V(repeating: T(1 / sm.sums.sum)), rest = V(repeating: T(sm.sums.rest))
        let shift = V(repeating: T(h - sm.sums.logSumExp))  // log q_c + H = (z_c - m) + (H - log S)
        for (c, lanes) in RowVectors(T.self, r.classes) {
            let e = sm.exponential(r, c, lanes)
            let q = e * inverseS
            let u = sm.shifted(r, c, lanes) + shift
            let none = q .<= V.zero
            if let hess = out.hess {
                let oneMinusQ: V = SoftmaxRow<T>.oneMinusP(e, inverseS: inverseS, rest: rest)
                let h: V = q * q * u - q * oneMinusQ * (u + 1)
                out.put((s * h).replacing(with: 0, where: none), hess, c, lanes)
            }
            if let grad = out.grad { out.put((V.zero - s * q * u).replacing(with: 0, where: none), grad, c, lanes) }
        }
        return h
    }
}
