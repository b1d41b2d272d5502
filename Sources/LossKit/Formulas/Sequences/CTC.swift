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
/// The states of one frame depend only on the previous frame, so each frame is computed
/// 8 states per `SIMD8<Double>`, from loads of the previous row shifted by 0, 1 and 2 states
/// (rows carry a vector of -inf padding on the side the shifts reach). The sums of three
/// exponentials share one reference per frame, the row's largest value r: e(s) = exp(x(s) - r)
/// once per state, then r + log(e(s) + e(s-1) + e(s-2)), one exp and one log per state where
/// the scalar recursion took two of each (``logSumExpRow(_:_:_:_:reference:floor:)``). Where
/// the three values of a state all lie more than 700 below r, their exponentials would lose
/// precision (subnormal or 0 below e^-708), so those 8 states take the exact three-way
/// ``logAddExp(_:_:_:)`` with their own maximum.
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

    /// The doubles of scratch ``sequence(frames:classes:blank:targetLength:labels:logProbs:scratch:grad:stride:scale:)``
    /// needs (`Int.max` if that overflows): nothing for no frames. A row holds the L = 2S + 1
    /// states rounded up to whole vectors plus one vector of padding; the loss alone needs five
    /// rows and 8 doubles (the allowed skips, one frame's log-probabilities, the exponentials
    /// with padding on both sides, two frames of α), the gradient the whole α table (frames
    /// rows), six more rows and 8 doubles (the same three, two rows of β and one of β plus
    /// log-probabilities) and the occupancies of one frame (classes).
    @inlinable
    public static func scratchCount(frames: Int, targetLength: Int, classes: Int, gradient: Bool) -> Int {
        guard frames > 0 else { return 0 }
        let padded = LossKit.scratchCount(2, targetLength, plus: 16)
        guard padded != .max else { return .max }
        let row = padded & ~7
        guard gradient else { return LossKit.scratchCount(5, row, plus: 8) }
        let rows = LossKit.scratchCount(frames, 1, plus: 6)
        return LossKit.scratchCount(LossKit.scratchCount(rows, row, plus: 8), 1, plus: classes)
    }

    /// One vector of the recursion: log(e^x0 + e^x1 + e^x2) as r + log(e), given
    /// e = e^(x0 - r) + e^(x1 - r) + e^(x2 - r) for the row's reference r (`floor` = r - 700).
    /// When some lane's largest x is finite but below the floor (its exponentials lose
    /// precision), the 8 lanes are computed by ``logAddExp(_:_:_:)`` instead.
    /// -inf where all three are -inf; NaN where one is NaN.
    @inlinable @inline(__always)
    static func logSumExpRow(_ x0: SIMD8<Double>, _ x1: SIMD8<Double>, _ x2: SIMD8<Double>,
                             _ e: SIMD8<Double>, reference r: SIMD8<Double>, floor: SIMD8<Double>) -> SIMD8<Double> {
        let m = maximum(maximum(x0, x1), x2)
        if any((m .< floor) .& (m .> SIMD8(repeating: -.infinity))) { return logAddExp(x0, x1, x2) }
        return r + log(e)
    }

    /// The loss of one sequence and, if `grad` is given, `scale · ∂loss/∂lp` written to its
    /// first `frames` rows (row t at `grad + t·stride`, `classes` values). The log-probabilities
    /// of frame t are `logProbs[t·stride + c]`; the targets `labels[0 ..< targetLength]`.
    /// They are read through pointers, not closures: the states' gathers and scatters are a
    /// load or two each, and a call per state (which the optimiser kept) cost a fifth of the
    /// time. `scratch` holds at least
    /// ``scratchCount(frames:targetLength:classes:gradient:)`` doubles: without a gradient α
    /// keeps only the last two frames. Returns +inf for an impossible alignment (and then
    /// writes nothing).
    @inlinable
    public static func sequence<T: LossScalar>(
        frames: Int, classes: Int, blank: Int, targetLength: Int, labels: UnsafePointer<Int64>,
        logProbs: UnsafePointer<T>, scratch: UnsafeMutablePointer<Double>,
        grad: UnsafeMutablePointer<T>?, stride: Int, scale: Double
    ) -> Double {
        typealias V = SIMD8<Double>
        if frames == 0 { return targetLength == 0 ? 0 : .infinity }
        let states = 2 * targetLength + 1
        let width = (states + 7) & ~7, rowStride = width + 8
        let none = V(repeating: -.infinity), zero = V.zero
        @inline(__always) func label(_ k: Int) -> Int { Int(labels[k]) }
        @inline(__always) func lp(_ t: Int, _ c: Int) -> Double { Double(logProbs[t * stride + c]) }
        @inline(__always) func load(_ p: UnsafeMutablePointer<Double>, _ s: Int) -> V {
            UnsafeRawPointer(p + s).loadUnaligned(as: V.self)
        }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Double>, _ s: Int) {
            UnsafeMutableRawPointer(p + s).storeBytes(of: v, as: V.self)
        }
        // skip[s] = 0 where the move s - 2 → s is allowed (l'_s ≠ blank, l'_s ≠ l'_{s-2}), -inf
        // elsewhere, padding included; emit[s] = lp(t, l'_s) of the frame at hand.
        let skip = scratch, emit = scratch + rowStride
        for s in 0..<rowStride {
            let allowed = s >= 2 && s < states && s & 1 == 1 && label(s >> 1) != label((s >> 1) - 1)
            skip[s] = allowed ? 0 : -.infinity
        }
        for s in states..<width { emit[s] = 0 }
        @inline(__always) func gather(_ t: Int) {
            let frame = logProbs + t * stride, b = Double(frame[blank])
            for k in 0..<targetLength { (emit[2 * k], emit[2 * k + 1]) = (b, Double(frame[label(k)])) }
            emit[states - 1] = b
        }
        // e(s) = exp(x(s) - r) of the row at hand, with 8 zeros on either side.
        let scaled = scratch + 2 * rowStride + 8
        (scaled - 8).update(repeating: 0, count: rowStride + 8)
        /// The reference r of a row (its largest value, NaN ignored; 0 if none is finite, where
        /// every lane takes the exact path) and `scaled` filled with exp(x - r).
        @inline(__always) func exponentials(_ x: UnsafeMutablePointer<Double>) -> (V, V) {
            var largest = none
            for s in Swift.stride(from: 0, to: width, by: 8) { largest = maximum(largest, load(x, s)) }
            var r = -Double.infinity
            for k in 0..<8 { r = Swift.max(r, largest[k]) }
            if !r.isFinite { r = 0 }
            let reference = V(repeating: r)
            for s in Swift.stride(from: 0, to: width, by: 8) { store(exp(load(x, s) - reference), scaled, s) }
            return (reference, V(repeating: r - 700))
        }
        // Forward: α of frame t at row(t), every frame kept only for the gradient; each row is
        // preceded by 8 values of -inf, read as α(-1) and α(-2).
        let alpha = scaled + rowStride, keeps = grad != nil
        @inline(__always) func row(_ t: Int) -> UnsafeMutablePointer<Double> {
            alpha + (keeps ? t : t & 1) * rowStride + 8
        }
        (row(0) - 8).update(repeating: -.infinity, count: rowStride)
        row(0)[0] = lp(0, blank)
        if states > 1 { row(0)[1] = lp(0, label(0)) }
        let lane = V(0, 1, 2, 3, 4, 5, 6, 7)
        for t in 1..<frames {
            let prev = row(t - 1), cur = row(t)
            (cur - 8).update(repeating: -.infinity, count: 8)
            gather(t)
            let (reference, floor) = exponentials(prev)
            // States that can still reach the end, and that can be reached by frame t.
            let first = Swift.max(0, states - 2 * (frames - t)), last = Swift.min(states, 2 * (t + 1))
            for s in Swift.stride(from: 0, to: width, by: 8) {
                guard s + 8 > first && s < last else { store(none, cur, s); continue }
                let barred = load(skip, s) .!= zero
                let a = logSumExpRow(
                    load(prev, s), load(prev, s - 1), load(prev, s - 2).replacing(with: none, where: barred),
                    load(scaled, s) + load(scaled, s - 1) + load(scaled, s - 2).replacing(with: zero, where: barred),
                    reference: reference, floor: floor)
                var v = (a + load(emit, s)).replacing(with: none, where: a .== none)
                if s < first || s + 8 > last {
                    let index = lane + V(repeating: Double(s))
                    v = v.replacing(with: none, where: index .< V(repeating: Double(first)) .| index .>= V(repeating: Double(last)))
                }
                store(v, cur, s)
            }
        }
        let end = row(frames - 1)
        let logP = states > 1 ? logAdd(end[states - 1], end[states - 2]) : end[0]
        let loss = -logP
        guard let grad, loss.isFinite else { return loss }
        // Backward, two rows of β (each followed by 8 values of -inf, read as β(L), β(L + 1) and
        // beyond), with the occupancies of frame t accumulated per class.
        let work = alpha + frames * rowStride
        var beta = work, next = work + rowStride
        let ahead = work + 2 * rowStride, gamma = work + 3 * rowStride
        for s in 0..<rowStride { beta[s] = s < states && s >= states - 2 ? 0 : -.infinity }
        for s in width..<rowStride { (next[s], ahead[s]) = (-.infinity, -.infinity) }
        let shift = V(repeating: loss)
        var t = frames - 1
        while true {
            // γ_t(s) per state into `ahead`, then added per class in the order of the states.
            let a = row(t)
            for s in Swift.stride(from: 0, to: width, by: 8) {
                store(exp(load(a, s) + load(beta, s) + shift), ahead, s)
            }
            // The blank's sum stays in a register: added to memory, each term waited for the
            // previous store (the compiler cannot tell that no label is the blank).
            gamma.update(repeating: 0, count: classes)
            var blanks = 0.0
            for k in 0..<targetLength {
                blanks += ahead[2 * k]
                gamma[label(k)] += ahead[2 * k + 1]
            }
            gamma[blank] = blanks + ahead[states - 1]
            let out = grad + t * stride
            for c in 0..<classes { out[c] = T(-scale * gamma[c]) }
            if t == 0 { break }
            // β_{t-1}(s) = logsumexp over s' ∈ {s, s+1, s+2 if allowed} of ahead(s') = lp(t, l'_s') + β_t(s').
            gather(t)
            for s in Swift.stride(from: 0, to: width, by: 8) {
                let b = load(beta, s)
                store((b + load(emit, s)).replacing(with: none, where: b .== none), ahead, s)
            }
            let (reference, floor) = exponentials(ahead)
            for s in Swift.stride(from: 0, to: width, by: 8) {
                let barred = load(skip, s + 2) .!= zero
                store(logSumExpRow(
                    load(ahead, s), load(ahead, s + 1), load(ahead, s + 2).replacing(with: none, where: barred),
                    load(scaled, s) + load(scaled, s + 1) + load(scaled, s + 2).replacing(with: zero, where: barred),
                    reference: reference, floor: floor), next, s)
            }
            swap(&beta, &next)
            t -= 1
        }
        return loss
    }
}
