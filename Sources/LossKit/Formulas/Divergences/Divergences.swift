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

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        var loss = 0.0
        for c in 0..<r.classes {
            let t = r.value(c), x = r[c]
            let l: Double, g: Double
            if logTarget {
                let e = Double._exp(t)
                l = e == 0 ? 0 : e * (t - x)
                g = -e
            } else {
                l = t == 0 ? 0 : t * (Double._log(t) - x)
                g = -t
            }
            loss += l
            out.element(c, l)
            if g != 0 { out.set(c, grad: g, hess: 0) }
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

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        let sm = SoftmaxRow(r)
        let ln2 = 0.6931471805599453
        var loss = 0.0, aBar = 0.0, etaSum = 0.0
        for c in 0..<r.classes {
            let t = r.value(c), lq = sm.logP(r[c]), q = Double._exp(lq)
            // Terms with t = 0 or q = 0 are 0 (0 log 0 = 0); NaN fails every comparison, so
            // the tests are written to let it through to the loss and derivatives.
            guard !(t + q <= 0) else { continue }
            let lm = Double._log(t + q) - ln2
            if !(t <= 0) { loss += t * (Double._log(t) - lm) }
            if !(q <= 0) {
                loss += q * (lq - lm)
                aBar += q * 0.5 * (lq - lm)
            }
            etaSum += 0.5 * t * q / (t + q)
        }
        if out.derivatives {
            for c in 0..<r.classes {
                let t = r.value(c), lq = sm.logP(r[c]), q = Double._exp(lq)
                guard !(q <= 0) else { continue }
                let a = 0.5 * (lq - (Double._log(t + q) - ln2))
                let eta = 0.5 * t * q / (t + q)
                let d = a - aBar
                out.set(c, grad: q * d, hess: eta * (1 - 2 * q) + q * q * etaSum + q * (1 - 2 * q) * d)
            }
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

    @inlinable
    public func row<T: LossScalar>(_ r: Row<T>, _ out: RowOutputs<T>) -> Double {
        let sm = SoftmaxRow(r)
        var h = 0.0
        for c in 0..<r.classes {
            let lq = sm.logP(r[c]), q = Double._exp(lq)
            if !(q <= 0) { h -= q * lq }  // 0 log 0 = 0; NaN passes (see Jensen–Shannon)
        }
        if out.derivatives {
            for c in 0..<r.classes {
                let lq = sm.logP(r[c]), q = Double._exp(lq)
                guard !(q <= 0) else { continue }
                let u = lq + h
                out.set(c, grad: -q * u, hess: -q * sm.oneMinusP(c, p: q) * (u + 1) + q * q * u)
            }
        }
        return h
    }
}
