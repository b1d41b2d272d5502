/// Connectionist temporal classification (Graves et al., 2006) of one sequence, in log space.
///
/// With log-probabilities lp[t][c] over `frames` frames and a target l of length S, the
/// extended target l' = (blank, l_1, blank, ..., l_S, blank) has L = 2S + 1 states, and
///
///     α_t(s) = lp[t][l'_s] + logsumexp(α_{t-1}(s), α_{t-1}(s-1), α_{t-1}(s-2) if l'_s ≠ blank, l'_s ≠ l'_{s-2})
///     β_t(s) = logsumexp over the same moves forward of lp[t+1][l'_{s'}] + β_{t+1}(s')   (β excludes frame t)
///     loss   = -log p = -logsumexp(α_{T-1}(L-1), α_{T-1}(L-2))
///     ∂loss/∂lp[t][c] = -Σ_{s: l'_s = c} exp(α_t(s) + β_t(s) + loss)      (= -γ_t(c), the occupancy)
///
/// This is the derivative with respect to lp treated as independent inputs (what finite
/// differences give). PyTorch's `ctc_loss` backward returns exp(lp) - γ instead, which is only
/// a gradient when lp comes from `log_softmax`; the two differ by exp(lp), which the backward of
/// `log_softmax` maps to zero, so both give the same gradient with respect to the logits.
/// Everything runs in `Double`: sums of log-probabilities over thousands of frames keep their
/// precision, and an impossible alignment gives α = -inf, a loss of +inf, never NaN in α.
/// CTC has no Hessian diagonal here (the diagonal of γ's derivative is not computed).
public enum CTC {
    public static let spec = LossSpec(
        name: "ctc_loss", family: .sequences, kind: .sequence,
        formula: "-log sum over alignments pi of target of prod_t p[t][pi_t] (alpha-beta recursions in log space)",
        derivatives: "grad wrt log_probs -gamma_t(c) = -sum_{s: l'_s = c} exp(alpha_t(s) + beta_t(s) + loss); no Hessian")

    /// log(e^a + e^b), -inf when both are -inf.
    @inlinable @inline(__always)
    static func logAdd(_ a: Double, _ b: Double) -> Double {
        let m = Swift.max(a, b)
        if m == -.infinity { return m }
        return m + Double._log1p(Double._exp(-Swift.abs(a - b)))
    }

    /// The doubles of scratch ``sequence(frames:classes:blank:targetLength:label:lp:scratch:grad:stride:scale:)``
    /// needs (`Int.max` if that overflows): nothing for no frames; two frames of α, L = 2S + 1
    /// values each, for the loss alone; for the gradient the whole α table (frames × L), two
    /// rows of β and the occupancies of one frame (classes).
    @inlinable
    public static func scratchCount(frames: Int, targetLength: Int, classes: Int, gradient: Bool) -> Int {
        guard frames > 0 else { return 0 }
        let states = LossKit.scratchCount(2, targetLength, plus: 1)
        guard gradient else { return LossKit.scratchCount(2, states) }
        return LossKit.scratchCount(frames + 2, states, plus: classes)
    }

    /// The loss of one sequence and, if `grad` is given, `scale · ∂loss/∂lp` written to its
    /// first `frames` rows (row t at `grad + t·stride`, `classes` values). `lp(t, c)` reads a
    /// log-probability; `label(k)` is target k (k < targetLength). `scratch` holds at least
    /// ``scratchCount(frames:targetLength:classes:gradient:)`` doubles: without a gradient α
    /// keeps only the last two frames. Returns +inf for an impossible alignment (and then
    /// writes nothing).
    @inlinable
    public static func sequence<T: LossScalar>(
        frames: Int, classes: Int, blank: Int, targetLength: Int, label: (Int) -> Int,
        lp: (Int, Int) -> Double, scratch: UnsafeMutablePointer<Double>,
        grad: UnsafeMutablePointer<T>?, stride: Int, scale: Double
    ) -> Double {
        let states = 2 * targetLength + 1
        @inline(__always) func ext(_ s: Int) -> Int { s & 1 == 0 ? blank : label(s >> 1) }
        @inline(__always) func skips(_ s: Int) -> Bool { s >= 2 && s & 1 == 1 && label(s >> 1) != label((s >> 1) - 1) }
        if frames == 0 { return targetLength == 0 ? 0 : .infinity }
        // Forward: α of frame t at row(t), every frame kept only for the gradient.
        let alpha = scratch, keeps = grad != nil
        @inline(__always) func row(_ t: Int) -> UnsafeMutablePointer<Double> { alpha + (keeps ? t : t & 1) * states }
        for s in 0..<states { alpha[s] = -.infinity }
        alpha[0] = lp(0, blank)
        if states > 1 { alpha[1] = lp(0, ext(1)) }
        for t in 1..<Swift.max(frames, 1) {
            let prev = row(t - 1), cur = row(t)
            // States that can still reach the end, and that can be reached by frame t.
            let first = Swift.max(0, states - 2 * (frames - t)), last = Swift.min(states, 2 * (t + 1))
            for s in 0..<states where s < first || s >= last { cur[s] = -.infinity }
            for s in first..<Swift.max(first, last) {
                var a = prev[s]
                if s >= 1 { a = logAdd(a, prev[s - 1]) }
                if skips(s) { a = logAdd(a, prev[s - 2]) }
                cur[s] = a == -.infinity ? a : a + lp(t, ext(s))
            }
        }
        let end = row(frames - 1)
        let logP = states > 1 ? logAdd(end[states - 1], end[states - 2]) : end[0]
        let loss = -logP
        guard let grad, loss.isFinite else { return loss }
        // Backward, two rows of β, with the occupancies of frame t accumulated per class.
        let work = alpha + frames * states
        var beta = work, next = work + states
        let gamma = work + 2 * states
        for s in 0..<states { beta[s] = s >= states - 2 ? 0 : -.infinity }
        var t = frames - 1
        while true {
            for c in 0..<classes { gamma[c] = 0 }
            let a = alpha + t * states
            for s in 0..<states {
                let v = a[s] + beta[s]
                if v != -.infinity { gamma[ext(s)] += Double._exp(v + loss) }
            }
            let row = grad + t * stride
            for c in 0..<classes { row[c] = T(-scale * gamma[c]) }
            if t == 0 { break }
            // β_{t-1} from β_t: next[s] = logsumexp over s' ∈ {s, s+1, s+2} of lp(t, l'_s') + β_t(s').
            for s in 0..<states {
                var b = beta[s] == -.infinity ? -.infinity : beta[s] + lp(t, ext(s))
                if s + 1 < states, beta[s + 1] != -.infinity { b = logAdd(b, beta[s + 1] + lp(t, ext(s + 1))) }
                if s + 2 < states, skips(s + 2), beta[s + 2] != -.infinity {
                    b = logAdd(b, beta[s + 2] + lp(t, ext(s + 2)))
                }
                next[s] = b
            }
            swap(&beta, &next)
            t -= 1
        }
        return loss
    }
}
