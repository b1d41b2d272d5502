import LossKit
import Testing

/// Tests that the checks every entry point runs before touching memory refuse bad arguments
/// with the right ``LossKitStatus`` and a message naming the argument.

@Suite("Argument validation")
struct ValidationTests {
    let x = [0.5, 1, -2, 3, 0, 1]
    let y = [1.0, 1, 0, 2, 0.5, -1]

    @Test func elementwiseWeights() {
        for bad in [-1.0, .nan, .infinity] {
            expectError(.invalidArgument, mentioning: "weight") {
                _ = try ElementwiseCall(input: x, target: y, weight: [1, bad, 1]).run(MSELoss(), as: Double.self)
            }
        }
        expectError(.shapeMismatch, mentioning: "weight has 4 values") {
            _ = try ElementwiseCall(input: x, target: y, weight: [1, 1, 1, 1]).run(MSELoss(), as: Float.self)
        }
        expectError(.shapeMismatch, mentioning: "weight has 0 values") {
            _ = try ElementwiseCall(input: x, target: y, weight: []).run(MSELoss(), as: Float.self)
        }
    }

    @Test func elementwiseColumnParameter() {
        expectError(.invalidArgument, mentioning: "pos_weight must be finite") {
            _ = try ElementwiseCall(input: x, target: y, column: [1, -0.5]).run(BinaryCrossEntropyWithLogits(), as: Double.self)
        }
        expectError(.shapeMismatch, mentioning: "pos_weight has 4 values") {
            _ = try ElementwiseCall(input: x, target: y, column: [1, 1, 1, 1]).run(BinaryCrossEntropyWithLogits(), as: Float.self)
        }
    }

    @Test func elementwiseShapes() {
        expectError(.nullPointer, mentioning: "losses") {
            try x.withUnsafeBufferPointer { (p) throws(LossKitError) in
                try ElementwiseProblem(count: 6, input: p.baseAddress!, target: p.baseAddress!, reduction: .none).validate(for: MSELoss.spec)
            }
        }
        expectError(.shapeMismatch, mentioning: "count") {
            try x.withUnsafeBufferPointer { (p) throws(LossKitError) in
                try ElementwiseProblem(count: -1, input: p.baseAddress!, target: p.baseAddress!).validate(for: MSELoss.spec)
            }
        }
    }

    @Test func crossEntropyTargets() {
        let logits = [0.5, -1, 2, 0, 1, 3]
        expectError(.indexOutOfRange, mentioning: "target[1] = 3") {
            _ = try CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0, 3]).run(as: Double.self)
        }
        expectError(.indexOutOfRange, mentioning: "target[0] = -1") {
            _ = try CrossEntropyCall(classes: 3, logits: logits, targetIndex: [-1, 0]).run(as: Float.self)
        }
        expectError(.indexOutOfRange, mentioning: "target[1] = -100") {
            _ = try CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0, -100], ignoreIndex: 7).run(as: Float.self)
        }
        expectError(.invalidArgument, mentioning: "not both") {
            _ = try CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0, 1],
                                     targetProbability: [Double](repeating: 0.5, count: 6)).run(as: Double.self)
        }
        expectError(.nullPointer, mentioning: "target") {
            _ = try CrossEntropyCall(classes: 3, logits: logits).run(as: Double.self)
        }
    }

    @Test func crossEntropyOptions() {
        let logits = [0.5, -1, 2, 0, 1, 3]
        for bad in [-0.125, 1.5, .nan, .infinity] {
            expectError(.invalidArgument, mentioning: "label_smoothing") {
                _ = try CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0, 1], labelSmoothing: bad).run(as: Double.self)
            }
        }
        for good in [0.0, 1.0] {
            #expect(throws: Never.self) {
                try CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0, 1], labelSmoothing: good).run(as: Float.self)
            }
        }
        expectError(.invalidArgument, mentioning: "weight must be finite") {
            _ = try CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0, 1], classWeight: [1, -1, 1]).run(as: Double.self)
        }
        expectError(.invalidArgument, mentioning: "sample_weight") {
            _ = try CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0, 1], sampleWeight: [1, .nan]).run(as: Double.self)
        }
    }

    @Test func crossEntropyShapes() {
        let logits = [0.5, -1]
        let index: [Int64] = [0, 0]
        func validate(rows: Int, classes: Int, reduction: Reduction = .mean) throws(LossKitError) {
            try logits.withUnsafeBufferPointer { (z) throws(LossKitError) in
                try index.withUnsafeBufferPointer { (t) throws(LossKitError) in
                    try CrossEntropyProblem(rows: rows, classes: classes, logits: z.baseAddress!,
                                            targetIndex: t.baseAddress!, reduction: reduction).validate()
                }
            }
        }
        expectError(.shapeMismatch, mentioning: "at least one class") { try validate(rows: 2, classes: 0) }
        expectError(.shapeMismatch, mentioning: "overflows") { try validate(rows: Int.max, classes: 2) }
        expectError(.shapeMismatch, mentioning: "rows and classes") { try validate(rows: -1, classes: 2) }
        expectError(.nullPointer, mentioning: "losses") { try validate(rows: 2, classes: 1, reduction: .none) }
    }

    /// Parameter values go through the catalogue's ranges: huber's delta in (0, inf),
    /// label_smoothing in [0, 1], and the count must match.
    @Test func parameterRanges() {
        for bad in [0.0, -1, .nan, .infinity, -.infinity] {
            expectError(.invalidArgument, mentioning: "delta") { try HuberLoss.spec.validate([bad]) }
        }
        #expect(throws: Never.self) { try HuberLoss.spec.validate([1e-300]) }
        expectError(.invalidArgument, mentioning: "takes 1 parameter(s), got 0") { try HuberLoss.spec.validate([]) }
        expectError(.invalidArgument, mentioning: "takes 0 parameter(s), got 1") { try MSELoss.spec.validate([1]) }
        expectError(.invalidArgument, mentioning: "label_smoothing") { try SoftmaxCrossEntropy.spec.validate([1.0000001]) }
    }

    @Test func unknownLossId() {
        for id in [-1, Catalogue.entries.count, Int(Int32.max)] {
            expectError(.unknownLoss, mentioning: "id \(id)") { _ = try Catalogue.elementwiseLoss(id: id) }
        }
        let crossEntropy = Catalogue.specs.firstIndex { $0.name == "cross_entropy" }!
        expectError(.unknownLoss, mentioning: "cross_entropy, which is not elementwise") {
            _ = try Catalogue.elementwiseLoss(id: crossEntropy)
        }
    }
}
