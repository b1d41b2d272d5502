import Foundation
import LossKit
import Testing

/// Tests of softmax cross-entropy through its driver, `evaluate(CrossEntropyProblem)`: losses
/// against a float64 reference written from PyTorch's definition, derivatives against finite
/// differences, hand-derived values at extreme logits.

extension CrossEntropyCall {
    /// PyTorch's `cross_entropy` in float64, written from log-softmax class by class:
    ///   index y:           (1 - ε)·w_y·(-log p_y) + ε/C·Σ_c w_c·(-log p_c)
    ///   probabilities t:   Σ_c w_c·((1 - ε)·t_c + ε/C)·(-log p_c)
    /// times the sample weight s; 'mean' divides by Σ s·w_y over rows not ignored (index
    /// targets) or by Σ s (probability targets), and is 0 when that is 0.
    func reference() -> (loss: Double, rowLosses: [Double]) {
        let c = Double(classes)
        let w = classWeight ?? [Double](repeating: 1, count: classes)
        var rowLosses: [Double] = [], denominator = 0.0
        for i in 0..<rows {
            let z = Array(logits[i * classes..<(i + 1) * classes])
            let m = z.max()!
            let logSumExp = m + Foundation.log(z.map { Foundation.exp($0 - m) }.reduce(0, +))
            let nll = z.map { logSumExp - $0 }  // -log p_c
            let s = sampleWeight?[i] ?? 1
            if let targetIndex {
                let y = Int(targetIndex[i])
                guard targetIndex[i] != ignoreIndex else { rowLosses.append(0); continue }
                let smooth = (0..<classes).map { w[$0] * nll[$0] }.reduce(0, +)
                rowLosses.append(s * ((1 - labelSmoothing) * w[y] * nll[y] + labelSmoothing / c * smooth))
                denominator += s * w[y]
            } else {
                let t = Array(targetProbability![i * classes..<(i + 1) * classes])
                let terms = (0..<classes).map { w[$0] * ((1 - labelSmoothing) * t[$0] + labelSmoothing / c) * nll[$0] }
                rowLosses.append(s * terms.reduce(0, +))
                denominator += s
            }
        }
        let total = rowLosses.reduce(0, +)
        switch reduction {
        case .mean: return (denominator > 0 ? total / denominator : 0, rowLosses)
        case .sum, .none: return (total, rowLosses)
        }
    }

    /// The same call with logit k replaced by `value`.
    func with(logit k: Int, _ value: Double) -> CrossEntropyCall {
        var copy = self
        copy.logits[k] = value
        return copy
    }
}

/// 4 rows of 19 classes (a full `Float` vector plus 3, two `Double` vectors plus 3), logits
/// multiples of 1/4 in [-3.5, 3.5].
let logits4x19: [Double] = (0..<4 * 19).map { (k: Int) -> Double in Double((k * 7 + (k / 19) * 13) % 29) / 4 - 3.5 }

/// Probability rows of 19 classes summing to 1, exact in `Float`, a different support per row.
let probabilities4x19: [Double] = (0..<4).flatMap { i -> [Double] in
    var row = [Double](repeating: 0, count: 19)
    for (k, t) in [0.5, 0.25, 0.125, 0.0625, 0.0625].enumerated() { row[(5 * i + k) % 19] = t }
    return row
}

/// Class weights 0.5, 1, 1.5, 2, ... and sample weights, exact in `Float`.
let classWeight19 = (0..<19).map { Double($0 % 4 + 1) / 2 }
let sampleWeight4 = [1, 0.5, 2, 0.25]

@Suite("Softmax cross-entropy")
struct CrossEntropyTests {
    /// The cases the derivative test runs: index and probability targets, alone and with
    /// class weights, sample weights, smoothing and an ignored row.
    static let cases: [(String, CrossEntropyCall)] = [
        ("index", CrossEntropyCall(classes: 19, logits: logits4x19, targetIndex: [3, 0, 18, 7])),
        ("index weighted smoothed ignored",
         CrossEntropyCall(classes: 19, logits: logits4x19, targetIndex: [3, -100, 18, 16],
                          classWeight: classWeight19, sampleWeight: sampleWeight4, labelSmoothing: 0.125)),
        ("ignore_index 5", CrossEntropyCall(classes: 19, logits: logits4x19, targetIndex: [5, 2, 5, 11],
                                            ignoreIndex: 5, labelSmoothing: 0.25)),
        ("probabilities", CrossEntropyCall(classes: 19, logits: logits4x19, targetProbability: probabilities4x19)),
        ("probabilities weighted smoothed",
         CrossEntropyCall(classes: 19, logits: logits4x19, targetProbability: probabilities4x19,
                          classWeight: classWeight19, sampleWeight: sampleWeight4, labelSmoothing: 0.125)),
        ("one class", CrossEntropyCall(classes: 1, logits: [0.5, -2, 3], targetIndex: [0, 0, -100])),
    ]

    @Test(arguments: 0..<cases.count, [Reduction.mean, .sum, .none])
    func matchesReferenceAndFiniteDifferences(caseIndex: Int, reduction: Reduction) throws {
        var call = Self.cases[caseIndex].1
        call.reduction = reduction
        let name = "\(Self.cases[caseIndex].0) \(reduction)"
        let reference = call.reference()
        let fdGrad = try call.logits.indices.map { k in
            try centralDifference(at: call.logits[k]) { try call.with(logit: k, $0).run(as: Double.self).loss }
        }
        let fdHess = try call.logits.indices.map { k in
            try centralDifference(at: call.logits[k]) { try call.with(logit: k, $0).run(as: Double.self).grad[k] }
        }
        func check<T: LossScalar>(_: T.Type) throws {
            let result = try call.run(as: T.self)
            let tolerance = Tolerance.finiteDifference(T.self)
            #expect(tolerance.accepts(result.loss, reference.loss), "\(name) \(T.self): loss \(result.loss) vs \(reference.loss)")
            if reduction == .none {
                for (i, (a, e)) in zip(result.losses, reference.rowLosses).enumerated() {
                    #expect(tolerance.accepts(a, e), "\(name) \(T.self): row \(i) loss \(a) vs \(e)")
                }
            }
            for k in call.logits.indices {
                #expect(tolerance.accepts(result.grad[k], fdGrad[k]), "\(name) \(T.self): grad[\(k)] \(result.grad[k]) vs \(fdGrad[k])")
                #expect(tolerance.accepts(result.hess[k], fdHess[k]), "\(name) \(T.self): hess[\(k)] \(result.hess[k]) vs \(fdHess[k])")
            }
        }
        try check(Float.self)
        try check(Double.self)
    }

    /// Expects `call` to give exactly these loss, gradient and Hessian in both precisions, or
    /// within `tolerance` of them.
    func expectValues(_ call: CrossEntropyCall, loss: Double, grad: [Double], hess: [Double],
                      tolerance: Tolerance = Tolerance(relative: 0, absolute: 0),
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        for result in [try call.run(as: Float.self), try call.run(as: Double.self)] {
            #expect(tolerance.accepts(result.loss, loss), "loss \(result.loss) vs \(loss)", sourceLocation: sourceLocation)
            #expect(result.grad.count == grad.count && zip(result.grad, grad).allSatisfy { tolerance.accepts($0, $1) }, "grad \(result.grad) vs \(grad)", sourceLocation: sourceLocation)
            #expect(zip(result.hess, hess).allSatisfy { tolerance.accepts($0, $1) }, "hess \(result.hess) vs \(hess)", sourceLocation: sourceLocation)
        }
    }

    /// Two equal logits: l = log 2, ∂l/∂z = p - onehot = (-½, ½), ∂²l/∂z² = p(1 - p) = ¼.
    @Test func twoEqualLogits() throws {
        try expectValues(CrossEntropyCall(classes: 2, logits: [0, 0], targetIndex: [0]),
                         loss: 0.6931471805599453, grad: [-0.5, 0.5], hess: [0.25, 0.25],
                         tolerance: Tolerance(relative: 1e-7, absolute: 0))
    }

    /// A -inf logit on a class with target 0 contributes nothing: l = log(1 + e) - 0 for
    /// z = (0, -inf, 1), y = 0, p = (1, 0, e)/(1 + e); PyTorch's probability-target path gives
    /// NaN here (0·inf), ours stays finite.
    @Test func minusInfinityLogitOnZeroTargetClass() throws {
        let tolerance = Tolerance(relative: 1e-6, absolute: 1e-7)
        let p0 = 0.2689414213699951, p2 = 0.7310585786300049, logOnePlusE = 1.3132616875182228
        let logits = [0, -Double.infinity, 1]
        try expectValues(CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0]),
                         loss: logOnePlusE, grad: [p0 - 1, 0, p2], hess: [p0 * p2, 0, p0 * p2], tolerance: tolerance)
        // t = (¼, 0, ¾): l = ¼·log(1 + e) + ¾·(log(1 + e) - 1).
        try expectValues(CrossEntropyCall(classes: 3, logits: logits, targetProbability: [0.25, 0, 0.75]),
                         loss: logOnePlusE - 0.75, grad: [p0 - 0.25, 0, p2 - 0.75], hess: [p0 * p2, 0, p0 * p2],
                         tolerance: tolerance)
    }

    /// Logits ±1e4 overflow every unshifted exponential; shifted by the maximum the exact
    /// results are l = max z - z_y, p one-hot on the maximum, Hessian 0.
    @Test func hugeLogits() throws {
        let logits = [1e4, -1e4, 0]
        try expectValues(CrossEntropyCall(classes: 3, logits: logits, targetIndex: [1]),
                         loss: 2e4, grad: [1, -1, 0], hess: [0, 0, 0])
        try expectValues(CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0]),
                         loss: 0, grad: [0, 0, 0], hess: [0, 0, 0])
        try expectValues(CrossEntropyCall(classes: 3, logits: logits, targetProbability: [0, 0.5, 0.5]),
                         loss: 1.5e4, grad: [1, -0.5, -0.5], hess: [0, 0, 0])
    }

    /// Softmax is shift-invariant, so logits near -100 (where XGBoost 3.2's gradient
    /// underflows) give the results of the same logits near 0.
    @Test func shiftInvariance() throws {
        try shiftInvariance(Float.self)
        try shiftInvariance(Double.self)
    }

    func shiftInvariance<T: LossScalar>(_: T.Type) throws {
        let near0 = [0, -1, 0.5, 0.25, -0.75]
        let tolerance = Tolerance(relative: 1e-5, absolute: 1e-6)
        for target: Int64 in [0, 2, 4] {
            let a = try CrossEntropyCall(classes: 5, logits: near0, targetIndex: [target]).run(as: T.self)
            let b = try CrossEntropyCall(classes: 5, logits: near0.map { $0 - 100 }, targetIndex: [target]).run(as: T.self)
            #expect(tolerance.accepts(b.loss, a.loss) && a.loss > 0, "\(T.self) loss \(b.loss) vs \(a.loss)")
            #expect(zip(b.grad, a.grad).allSatisfy { tolerance.accepts($0, $1) } && a.grad.contains { $0 != 0 },
                    "\(T.self) grad \(b.grad) vs \(a.grad)")
            #expect(zip(b.hess, a.hess).allSatisfy { tolerance.accepts($0, $1) } && a.hess.allSatisfy { $0 > 0 },
                    "\(T.self) hess \(b.hess) vs \(a.hess)")
        }
    }

    /// The mean over nothing is 0 with zero derivatives (PyTorch gives NaN): every target
    /// ignored, every sample weight 0, every target's class weight 0, or no rows at all.
    @Test func emptyMeanIsZero() throws {
        let logits = [0.5, -1, 2, 0, 1, 3]
        let calls = [
            CrossEntropyCall(classes: 3, logits: logits, targetIndex: [-100, -100]),
            CrossEntropyCall(classes: 3, logits: logits, targetIndex: [0, 2], sampleWeight: [0, 0]),
            CrossEntropyCall(classes: 3, logits: logits, targetIndex: [1, 1], classWeight: [1, 0, 1]),
            CrossEntropyCall(classes: 3, logits: logits, targetProbability: [Double](repeating: 1, count: 6), sampleWeight: [0, 0]),
            CrossEntropyCall(classes: 3, logits: [], targetIndex: []),
        ]
        for call in calls {
            for reduction in [Reduction.mean, .sum, .none] {
                var reduced = call
                reduced.reduction = reduction
                let zeros = [Double](repeating: 0, count: call.logits.count)
                try expectValues(reduced, loss: 0, grad: zeros, hess: zeros)
            }
        }
    }
}
