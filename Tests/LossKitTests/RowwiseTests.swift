import Foundation
import LossKit
import Testing

/// Tests of the row-wise driver through `evaluate(_:RowwiseProblem)`: a loss value and its
/// derivatives against a float64 reference written from the paper, the reduction
/// denominators, ignored rows, and validation before any row is read.

@Suite("Row-wise losses")
struct RowwiseTests {
    /// Runs `loss` on rows of 3 classes with class-index targets.
    func run<L: RowwiseLoss>(_ loss: L, _ z: [Double], _ y: [Int64], classWeight: [Double]? = nil,
                             sampleWeight: [Double]? = nil, reduction: RowReduction = .mean,
                             parameters: [Double] = []) throws -> (loss: Double, grad: [Double], hess: [Double]) {
        let rows = y.count, classes = z.count / y.count
        var grad = [Double](repeating: .nan, count: z.count), hess = grad
        var losses = [Double](repeating: .nan, count: rows)
        let value = try z.withUnsafeBufferPointer { zp throws(LossKitError) in
            try y.withUnsafeBufferPointer { yp throws(LossKitError) in
                try (classWeight ?? []).withUnsafeBufferPointer { wp throws(LossKitError) in
                    try (sampleWeight ?? []).withUnsafeBufferPointer { sp throws(LossKitError) in
                        try grad.withUnsafeMutableBufferPointer { g throws(LossKitError) in
                            try hess.withUnsafeMutableBufferPointer { h throws(LossKitError) in
                                try losses.withUnsafeMutableBufferPointer { l throws(LossKitError) in
                                    let p = RowwiseProblem<Double>(
                                        rows: rows, classes: classes, input: zp.baseAddress!, targetIndex: yp.baseAddress,
                                        classWeight: classWeight == nil ? nil : wp.baseAddress,
                                        sampleWeight: sampleWeight == nil ? nil : sp.baseAddress,
                                        reduction: reduction, losses: l.baseAddress, grad: g.baseAddress, hess: h.baseAddress)
                                    try p.validate(L.self, parameters: parameters)
                                    return evaluate(loss, p)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (value, grad, hess)
    }

    @Test func focalLossMatchesThePaperAndFiniteDifferences() throws {
        let z: [Double] = [0.5, -1, 2, 1, 1, -3], y: [Int64] = [2, 0]
        let r = try run(SoftmaxFocalLoss(parameters: [2]), z, y, reduction: .sum, parameters: [2])
        func reference(_ z: [Double]) -> Double {
            var total = 0.0
            for i in 0..<2 {
                let row = Array(z[3 * i..<3 * i + 3]), s = row.map { Foundation.exp($0) }.reduce(0, +)
                let p = Foundation.exp(row[Int(y[i])]) / s
                total += -(1 - p) * (1 - p) * Foundation.log(p)
            }
            return total
        }
        #expect(Swift.abs(r.loss - reference(z)) < 1e-14)
        let h = 1e-5
        for k in 0..<z.count {
            var up = z, down = z
            up[k] += h
            down[k] -= h
            let numeric = (reference(up) - reference(down)) / (2 * h)
            let second = (reference(up) - 2 * reference(z) + reference(down)) / (h * h)
            #expect(Swift.abs(r.grad[k] - numeric) < 1e-8, "grad[\(k)]")
            #expect(Swift.abs(r.hess[k] - second) < 1e-4, "hess[\(k)]")
        }
    }

    @Test func nllMeanDividesByTheTargetClassWeightsAndIgnoresRows() throws {
        let z: [Double] = [-0.5, -1, -2, -3, -0.25, -1, -1, -1, -1], y: [Int64] = [1, 0, -100]
        let r = try run(NLLLoss(parameters: []), z, y, classWeight: [2, 1, 1], sampleWeight: [1, 1, 5])
        #expect(r.loss == 7.0 / 3)
        #expect(r.grad == [0, -1.0 / 3, 0, -2.0 / 3, 0, 0, 0, 0, 0])
        #expect(r.hess.allSatisfy { $0 == 0 })
        let batch = try run(NLLLoss(parameters: []), z, y, classWeight: [2, 1, 1], reduction: .batchmean)
        #expect(batch.loss == 7.0 / 2)
    }

    @Test func validationRefusesBadIndicesAndParameters() throws {
        #expect(throws: LossKitError.self) { try run(NLLLoss(parameters: []), [0, 0, 0], [3]) }
        #expect(throws: LossKitError.self) {
            try run(MultiMarginLoss(parameters: [1.5, 1]), [0, 0, 0], [0], parameters: [1.5, 1])
        }
        #expect(throws: LossKitError.self) {
            try run(Poly1CrossEntropy(parameters: [2]), [0, 0, 0], [0], classWeight: [1, 1, 1], parameters: [2])
        }
    }
}
