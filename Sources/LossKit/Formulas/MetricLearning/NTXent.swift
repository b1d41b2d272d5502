/// NT-Xent (normalised temperature-scaled cross-entropy, SimCLR's InfoNCE) over a batch of
/// embeddings e_i with integer labels, as optax's `ntxent`:
///
///     s_ij = cos(e_i, e_j) / τ,   cos(a, b) = a·b / (√max(|a|², ε) √max(|b|², ε)),  ε = machine epsilon
///     for each anchor i and each positive j ≠ i with label_j = label_i:
///         l_ij = -s_ij + log(e^(s_ij) + Σ_{k: label_k ≠ label_i} e^(s_ik))
///     loss = Σ l_ij / (number of such ordered pairs)
///
/// Each positive pair is a softmax over that one positive and all the anchor's negatives.
/// Every row is shifted by its maximum m_i (over j ≠ i) before exponentiating, so any τ > 0
/// is finite. With the per-anchor sums N_i = Σ_neg e^(s_ik - m_i) and
/// A_i = Σ_{j pos} 1 / (e^(s_ij - m_i) + N_i), the derivative of the summed loss is
///
///     ∂/∂s_ij = q_ij - 1            (j a positive of i, q_ij = e^(s_ij - m_i) / (e^(s_ij - m_i) + N_i))
///     ∂/∂s_ik = e^(s_ik - m_i)·A_i  (k a negative of i)
///
/// and s is symmetric, so ∂L/∂e_i = Σ_j (∂L/∂s_ij + ∂L/∂s_ji)/τ · ∂cos(e_i, e_j)/∂e_i with
/// ∂cos/∂a = b/(|a||b|) - cos·a/|a|² (the second term vanishes where |a|² < ε, as the clip's).
public enum NTXent {
    public static let spec = LossSpec(
        name: "ntxent_loss", family: .metricLearning, kind: .similarityMatrix,
        parameters: [ParameterSpec("temperature", default: 0.07, lower: 0)],
        formula: "mean over positive pairs (i, j) of -s_ij + log(e^s_ij + sum_{k negative of i} e^s_ik), s = cos / temperature",
        derivatives: "grad e_i = sum_j (G_ij + G_ji) / temperature dcos(e_i, e_j)/de_i, G = softmax residuals; no Hessian")
}
