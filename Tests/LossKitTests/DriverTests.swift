import LossKit
import Testing

/// Tests of the elementwise driver: tails, weights with a period, per-column parameters,
/// reductions and the empty mean. The loss is mse (l = r², l' = 2r, l'' = 2) unless a
/// per-column parameter is needed, so every expected value is a one-line hand formula.

/// Inputs and targets that are multiples of 1/8 below 4 in magnitude: their squared residuals
/// are exact in `Float`, so per-element outputs compare exactly.
func regressionData(_ n: Int) -> (input: [Double], target: [Double]) {
    ((0..<n).map { Double(($0 * 37) % 23) / 8 - 1.25 }, (0..<n).map { Double(($0 * 11) % 7) / 4 })
}

@Suite("Elementwise driver")
struct DriverTests {
    /// Counts around the vector widths (16 Float, 8 Double lanes) and past one accumulation block.
    static let counts = [0, 1, 7, 8, 9, 15, 16, 17, 33, 2 * accumulationBlock + 5]

    @Test(arguments: counts)
    func tailsAndReductions(count n: Int) throws {
        try tailsAndReductions(n, Float.self)
        try tailsAndReductions(n, Double.self)
    }

    func tailsAndReductions<T: LossScalar>(_ n: Int, _: T.Type) throws {
        let (x, y) = regressionData(n)
        let r = zip(x, y).map { $0 - $1 }
        let squares = r.map { $0 * $0 }
        let total = squares.reduce(0, +)
        let call = ElementwiseCall(input: x, target: y)

        var none = call
        none.reduction = .none
        let perElement = try none.run(MSELoss(), as: T.self)
        #expect(perElement.losses == squares)
        #expect(perElement.grad == r.map { 2 * $0 })
        #expect(perElement.hess == [Double](repeating: 2, count: n))
        #expect(Tolerance.sum(T.self).accepts(perElement.loss, total))

        var sum = call
        sum.reduction = .sum
        let summed = try sum.run(MSELoss(), as: T.self)
        #expect(Tolerance.sum(T.self).accepts(summed.loss, total))
        #expect(summed.grad == r.map { 2 * $0 })

        let mean = try call.run(MSELoss(), as: T.self)
        let tolerance = Tolerance.finiteDifference(T.self)
        #expect(Tolerance.sum(T.self).accepts(mean.loss, n == 0 ? 0 : total / Double(n)))
        for i in 0..<n {
            #expect(tolerance.accepts(mean.grad[i], 2 * r[i] / Double(n)), "\(T.self) grad[\(i)]")
            #expect(tolerance.accepts(mean.hess[i], 2 / Double(n)), "\(T.self) hess[\(i)]")
        }

        // mse is 0 on the zero padding of a partial vector; BCE is log 2 there, so a tail
        // that leaked padding into the sum would show.
        let bce = try sum.run(BinaryCrossEntropyWithLogits(), as: T.self)
        let bceTotal = zip(x, y).map { referenceBCE(x: $0, y: $1, posWeight: 1) }.reduce(0, +)
        #expect(Tolerance.finiteDifference(T.self).accepts(bce.loss, bceTotal), "\(T.self) bce sum \(bce.loss) vs \(bceTotal)")
    }

    /// 4 weights over 36 elements: element i uses weight[i / 9], a period that straddles vectors
    /// of both widths. The normalized mean divides by Σ over elements = 9·Σ weight, the
    /// rescaled one by 36; a zero weight zeroes its elements' loss and derivatives.
    @Test func weightsWithPeriod() throws {
        try weightsWithPeriod(Float.self)
        try weightsWithPeriod(Double.self)
    }

    func weightsWithPeriod<T: LossScalar>(_: T.Type) throws {
        let (x, y) = regressionData(36)
        let weight = [0.5, 2, 0, 1.25]
        let w = (0..<36).map { weight[$0 / 9] }
        let r = zip(x, y).map { $0 - $1 }
        let weightedLoss = zip(w, r).map { $0 * $1 * $1 }
        let weightedGrad = zip(w, r).map { 2 * $0 * $1 }
        let tolerance = Tolerance.finiteDifference(T.self)

        let none = try ElementwiseCall(input: x, target: y, weight: weight, reduction: .none).run(MSELoss(), as: T.self)
        #expect(none.losses == weightedLoss)
        #expect(none.grad == weightedGrad)
        #expect(none.hess == w.map { 2 * $0 })

        let sum = try ElementwiseCall(input: x, target: y, weight: weight, reduction: .sum).run(MSELoss(), as: T.self)
        #expect(Tolerance.sum(T.self).accepts(sum.loss, weightedLoss.reduce(0, +)))
        #expect(sum.grad == weightedGrad)

        for (weighting, denominator) in [(Weighting.normalized, 9 * weight.reduce(0, +)), (.rescale, 36.0)] {
            let mean = try ElementwiseCall(input: x, target: y, weight: weight, weighting: weighting)
                .run(MSELoss(), as: T.self)
            #expect(Tolerance.sum(T.self).accepts(mean.loss, weightedLoss.reduce(0, +) / denominator), "\(weighting)")
            for i in 0..<36 {
                #expect(tolerance.accepts(mean.grad[i], weightedGrad[i] / denominator), "\(T.self) \(weighting) grad[\(i)]")
                #expect(tolerance.accepts(mean.hess[i], 2 * w[i] / denominator), "\(T.self) \(weighting) hess[\(i)]")
            }
        }
    }

    /// BCE's pos_weight is per column: 17 rows × 3 columns, element i uses pos_weight[i % 3],
    /// together with one sample weight per row (period 3). Expected derivatives use the hand
    /// form ∂l/∂x = σ(x)·(p·y + 1 - y) - p·y, ∂²l/∂x² = (p·y + 1 - y)·σ(x)·(1 - σ(x)).
    @Test func posWeightPerColumnWithRowWeights() throws {
        try posWeightPerColumnWithRowWeights(Float.self)
        try posWeightPerColumnWithRowWeights(Double.self)
    }

    func posWeightPerColumnWithRowWeights<T: LossScalar>(_: T.Type) throws {
        let n = 51
        let posWeight = [1, 2.5, 0.5]
        let rowWeight = (0..<17).map { Double($0 % 4) / 2 + 0.25 }
        let x = (0..<n).map { Double(($0 * 29) % 41) / 4 - 5 }
        let y = (0..<n).map { [0, 1, 0.25, 1, 0][$0 % 5] }
        let call = ElementwiseCall(input: x, target: y, weight: rowWeight, column: posWeight, reduction: .none)
        let result = try call.run(BinaryCrossEntropyWithLogits(), as: T.self)
        let tolerance = Tolerance.finiteDifference(T.self)
        for i in 0..<n {
            let (p, w, s) = (posWeight[i % 3], rowWeight[i / 3], logistic(x[i]))
            let lw = p * y[i] + 1 - y[i]
            let expected = Terms(loss: w * referenceBCE(x: x[i], y: y[i], posWeight: p),
                                 grad: w * (s * lw - p * y[i]), hess: w * lw * s * (1 - s))
            let actual = Terms(loss: result.losses[i], grad: result.grad[i], hess: result.hess[i])
            #expect(tolerance.accepts(actual.loss, expected.loss) && tolerance.accepts(actual.grad, expected.grad)
                    && tolerance.accepts(actual.hess, expected.hess), "\(T.self) element \(i): \(actual) vs \(expected)")
        }
    }

    /// The mean over nothing is 0 with zero derivatives, not 0/0: no elements, or every
    /// weight 0 (with either weighting; 'rescale' divides by n but every w·l is 0).
    @Test func emptyMeanIsZero() throws {
        for reduction in [Reduction.mean, .sum, .none] {
            #expect(try ElementwiseCall(input: [], target: [], reduction: reduction).run(MSELoss(), as: Float.self).loss == 0)
            #expect(try ElementwiseCall(input: [], target: [], weight: [], reduction: reduction).run(HuberLoss(), as: Double.self).loss == 0)
        }
        let (x, y) = regressionData(20)
        for weighting in [Weighting.normalized, .rescale] {
            let call = ElementwiseCall(input: x, target: y, weight: [0, 0], weighting: weighting)
            for result in [try call.run(MSELoss(), as: Float.self), try call.run(MSELoss(), as: Double.self)] {
                #expect(result.loss == 0)
                #expect(result.grad.allSatisfy { $0 == 0 } && result.hess.allSatisfy { $0 == 0 })
            }
        }
    }
}
