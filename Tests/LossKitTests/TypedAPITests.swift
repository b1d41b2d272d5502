import Glibc
import LossKit
import Testing

/// The typed array API of every driver beyond elementwise and cross-entropy, on cases small
/// enough to derive by hand, and its argument checks (the same statuses as the C ABI's).
struct TypedAPITests {
    @Test func rowwiseNLLLoss() throws {
        // Rows of log-probabilities; nll picks -x_y: (0.5 + 0.1) / 2; grad -1/2 at each target.
        let r = try evaluate(NLLLoss.self, input: [-0.5, -1.5, -2.0, -0.1] as [Double], classes: 2,
                             target: .classIndices([0, 1]))
        #expect(abs(r.loss - 0.3) < 1e-15)
        #expect(r.grad == [-0.5, 0, 0, -0.5])
        #expect(r.hess == [0, 0, 0, 0])
        let none = try evaluate(NLLLoss.self, input: [-0.5, -1.5, -2.0, -0.1] as [Float], classes: 2,
                                target: .classIndices([0, -100]), reduction: .none)
        #expect(none.losses == [0.5, 0])  // the second row is ignored
    }

    @Test func rowwiseChecks() {
        expectError(.indexOutOfRange, mentioning: "target[1] = 2") {
            _ = try evaluate(NLLLoss.self, input: [0.0, 0, 0, 0], classes: 2, target: .classIndices([0, 2]))
        }
        expectError(.shapeMismatch, mentioning: "class indices") {
            _ = try evaluate(NLLLoss.self, input: [0.0, 0, 0, 0], classes: 2, target: .classIndices([0]))
        }
        expectError(.invalidArgument, mentioning: "target_values") {
            _ = try evaluate(NLLLoss.self, input: [0.0, 0], classes: 2, target: .values([1.0, 0]))
        }
    }

    @Test func embeddingTripletMarginLoss() throws {
        // d(a, p) = 1, d(a, n) = 1, margin 1: loss 1; ∂/∂a = (a - p)/d_ap - (a - n)/d_an = (-1, 1).
        // PyTorch's pairwise distance adds eps = 1e-6 to each difference, hence the tolerance.
        let r = try evaluate(TripletMarginLoss.self, inputs: [[0, 0], [1, 0], [0, 1]] as [[Double]], dim: 2)
        #expect(abs(r.loss - 1) < 1e-5)
        #expect(r.grads.count == 3)
        #expect(abs(r.grads[0][0] + 1) < 1e-5 && abs(r.grads[0][1] - 1) < 1e-5)
        #expect(abs(r.grads[1][0] - 1) < 1e-5 && abs(r.grads[2][1] + 1) < 1e-5)
        expectError(.invalidArgument, mentioning: "takes 3 input") {
            _ = try evaluate(TripletMarginLoss.self, inputs: [[0.0, 0]], dim: 2)
        }
        expectError(.shapeMismatch, mentioning: "input2") {
            _ = try evaluate(TripletMarginLoss.self, inputs: [[0.0, 0], [1], [0, 1]], dim: 2)
        }
    }

    @Test func ntXentOnCosineSimilarities() throws {
        // Cosine similarities s01 = 1, s02 = s12 = 0, τ = 1: anchors 0 and 1 each have one
        // positive, l = -log(e / (e + 1)); anchor 2 has none. Mean over the 2 positive pairs.
        let r = try ntXent(embeddings: [1, 0, 2, 0, 0, 3] as [Double], dim: 2, labels: [0, 0, 1], temperature: 1)
        #expect(abs(r.loss - log(1 + exp(-1.0))) < 1e-14)
        #expect(r.grad.count == 6 && r.hess.isEmpty)
        expectError(.invalidArgument, mentioning: "temperature") {
            _ = try ntXent(embeddings: [1.0, 0], dim: 2, labels: [0], temperature: 0)
        }
    }

    @Test func ctcOnUniformFrames() throws {
        // Two frames of log(1/2) over {blank, 1}; target "1" has three alignments (1 1, ∅ 1, 1 ∅)
        // of probability 1/4 each: loss -log(3/4), divided by the target length 1.
        let r = try ctcLoss(logProbs: [Double](repeating: log(0.5), count: 4), frames: 2, classes: 2,
                            targets: .concatenated([1]), inputLengths: [2], targetLengths: [1])
        #expect(abs(r.loss + log(0.75)) < 1e-14)
        let padded = try ctcLoss(logProbs: [Double](repeating: log(0.5), count: 4), frames: 2, classes: 2,
                                 targets: .padded([1, 0], length: 2), inputLengths: [2], targetLengths: [1])
        #expect(padded.loss == r.loss)
        expectError(.invalidArgument, mentioning: "blank") {
            _ = try ctcLoss(logProbs: [Double](repeating: log(0.5), count: 4), frames: 2, classes: 2,
                            targets: .concatenated([0]), inputLengths: [2], targetLengths: [1])
        }
    }

    @Test func overlapDiceOnProbabilities() throws {
        // smooth 0, no softmax: TP = 1.7, (ΣP + ΣT)/2 = 2, loss 1 - 0.85; ∂l/∂p_i = -(2 t_i - 0.85)/4.
        let r = try evaluate(DiceLoss.self, parameters: [0, 0, 0], input: [0.9, 0.2, 0.1, 0.8] as [Double],
                             classes: 1, spatial: 4, target: .classMap([1, 0, 0, 1]))
        #expect(abs(r.loss - 0.15) < 1e-15)
        for (g, t) in zip(r.grad, [1.0, 0, 0, 1]) { #expect(abs(g + (2 * t - 0.85) / 4) < 1e-15) }
        expectError(.shapeMismatch, mentioning: "class indices") {
            _ = try evaluate(DiceLoss.self, input: [0.9, 0.2] as [Double], classes: 1, spatial: 2,
                             target: .classMap([1]))
        }
    }
}
