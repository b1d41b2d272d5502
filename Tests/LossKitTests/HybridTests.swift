import LossKit
import Testing

/// Tests of hybrid losses through the Swift array API: each part and the total against the
/// losses called alone (summed in Double), and the errors for incompatible parts.
@Suite("Hybrid losses")
struct HybridTests {
    let z: [Double] = [2, 0, -1, 0.5, 1.5, 0, -2, 0.25, 3, 1, 1, 1]
    let y = [0, 1, 2, 1]

    @Test("cross_entropy + 0.5·softmax_focal_loss equals the parts called alone", arguments: [RowReduction.mean, .sum, .none])
    func classIndexParts(reduction: RowReduction) throws {
        let w: [Double] = [1, 0.5, 2, 0]
        let terms = [try HybridTerm("cross_entropy", parameters: [0.1]),
                     try HybridTerm("softmax_focal_loss", parameters: [2], weight: 0.5)]
        let r = try hybrid(terms, input: z, classes: 3, target: .classIndices(y), sampleWeight: w, reduction: reduction)
        let ce = try crossEntropy(logits: z, classes: 3, targets: y, sampleWeight: w, labelSmoothing: 0.1,
                                  reduction: Reduction(rawValue: reduction.rawValue)!)
        // The focal part alone, as a hybrid of one part (its outputs carry its weight 0.5); the
        // Python and C tests compare it with lk_rowwise too.
        let focal = try hybrid([terms[1]], input: z, classes: 3, target: .classIndices(y), sampleWeight: w, reduction: reduction)
        #expect(r.parts[0] == ce.loss)
        #expect(r.parts[1] == focal.parts[0])
        #expect(abs(r.loss - (ce.loss + 0.5 * focal.parts[0])) <= 1e-14 * abs(r.loss))
        for i in z.indices {
            #expect(abs(r.grad[i] - (ce.grad[i] + focal.grad[i])) <= 1e-14)
            #expect(abs(r.hess[i] - (ce.hess[i] + focal.hess[i])) <= 1e-14)
        }
        if reduction == .none {
            #expect(r.losses.count == 4)
            for i in 0..<4 { #expect(abs(r.losses[i] - (ce.losses[i] + focal.losses[i])) <= 1e-14) }
        }
    }

    @Test("elementwise parts in Float equal the losses called alone")
    func elementwiseParts() throws {
        let x: [Float] = [0.5, -1, 2, 0, 1.5, -0.25]
        let t: [Float] = [1, 0, 1, 1, 0, 0]
        let r = try hybrid([try HybridTerm("mse_loss", weight: 2), try HybridTerm("huber_loss", parameters: [0.5], weight: -1)],
                           input: x, target: .values(t))
        let mse = try evaluate(MSELoss(), input: x, target: t)
        let huber = try evaluate(HuberLoss(delta: 0.5), input: x, target: t)
        #expect(r.parts == [mse.loss, huber.loss])
        #expect(abs(r.loss - (2 * mse.loss - huber.loss)) <= 1e-12)
        for i in x.indices {
            #expect(abs(Double(r.grad[i]) - (2 * Double(mse.grad[i]) - Double(huber.grad[i]))) <= 1e-6)
            #expect(abs(Double(r.hess[i]) - (2 * Double(mse.hess[i]) - Double(huber.hess[i]))) <= 1e-6)
        }
    }

    @Test("incompatible parts are refused with messages naming them")
    func incompatibleParts() throws {
        expectError(.invalidArgument, mentioning: "part 1 (mse_loss) is elementwise") {
            _ = try hybrid([try HybridTerm("cross_entropy"), try HybridTerm("mse_loss")],
                           input: z, classes: 3, target: .classIndices(y))
        }
        expectError(.invalidArgument, mentioning: "part 1 (kl_div) takes target values") {
            _ = try hybrid([try HybridTerm("nll_loss"), try HybridTerm("kl_div")], input: z, classes: 3, target: .classIndices(y))
        }
        expectError(.invalidArgument, mentioning: "cannot be part of a hybrid loss") {
            _ = try HybridTerm("ctc_loss")
        }
        expectError(.invalidArgument, mentioning: "a hybrid loss needs at least one part") {
            _ = try hybrid([], input: z, classes: 3, target: .classIndices(y))
        }
        expectError(.indexOutOfRange, mentioning: "part 0 (cross_entropy): target[1] = 7") {
            _ = try hybrid([try HybridTerm("cross_entropy")], input: z, classes: 3, target: .classIndices([0, 7, 0, 0]))
        }
    }
}
