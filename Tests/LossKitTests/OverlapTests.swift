import LossKit
import Testing

/// Tests of the overlap (segmentation) driver through `evaluate(_:OverlapProblem)`: values
/// against the Tversky formula written out, the gradient and Hessian diagonal against central
/// differences, and validation before any sum is taken.

@Suite("Overlap losses")
struct OverlapTests {
    /// Runs `loss` on (batch, classes, spatial) logits with a class map.
    func runShaped<L: OverlapLoss>(_ loss: L, _ x: [Double], _ y: [Int64], batch: Int, classes: Int, spatial: Int,
                                   reduction: Reduction = .mean) throws(LossKitError) -> (Double, [Double], [Double]) {
        var grad = [Double](repeating: .nan, count: x.count), hess = grad
        var losses = [Double](repeating: .nan, count: batch)
        let value = try x.withUnsafeBufferPointer { xp throws(LossKitError) in
            try y.withUnsafeBufferPointer { yp throws(LossKitError) in
                try grad.withUnsafeMutableBufferPointer { g throws(LossKitError) in
                    try hess.withUnsafeMutableBufferPointer { h throws(LossKitError) in
                        try losses.withUnsafeMutableBufferPointer { l throws(LossKitError) in
                            let p = OverlapProblem<Double>(
                                batch: batch, classes: classes, spatial: spatial, input: xp.baseAddress!,
                                targetIndex: yp.baseAddress, reduction: reduction, losses: l.baseAddress,
                                grad: g.baseAddress, hess: h.baseAddress)
                            try p.validate(loss)
                            return try evaluate(loss, p)
                        }
                    }
                }
            }
        }
        return (value, grad, hess)
    }

    let x: [Double] = [0.3, -1.2, 2.0, 0.5, 1.1, -0.4, 0.0, 0.7, -2.0, 1.5, 0.2, -0.3,
                       1.0, 0.1, -0.6, 0.9, 0.4, -1.1, 0.8, -0.2, 0.6, -0.9, 1.3, 0.05]
    let y: [Int64] = [0, 2, 1, 1, 2, 0, 0, 0]  // (2, 4) class map for (2, 3, 4) logits

    @Test func diceMatchesTheFormula() throws {
        let (value, _, _) = try runShaped(DiceLoss(parameters: [1, 1, 0]), x, y, batch: 2, classes: 3, spatial: 4)
        var total = 0.0
        for n in 0..<2 {
            var sample = 0.0
            for c in 0..<3 {
                var tp = 0.0, ps = 0.0, ts = 0.0
                for j in 0..<4 {
                    let z = (0..<3).map { x[(n * 3 + $0) * 4 + j] }
                    let m = z.max()!
                    let e = z.map { Double._exp($0 - m) }
                    let p = e[c] / e.reduce(0, +)
                    let t: Double = y[n * 4 + j] == Int64(c) ? 1 : 0
                    tp += p * t; ps += p; ts += t
                }
                sample += 1 - (tp + 1) / ((ps + ts) / 2 + 1)
            }
            total += sample / 3
        }
        #expect(Swift.abs(value - total / 2) < 1e-14)
    }

    @Test func derivativesMatchCentralDifferences() throws {
        let loss = FocalTverskyLoss(parameters: [0.3, 0.7, 0.75, 1, 1, 1])
        let (_, g, h) = try runShaped(loss, x, y, batch: 2, classes: 3, spatial: 4, reduction: .sum)
        let step = 1e-5
        for i in [0, 5, 13, 23] {
            var up = x, down = x
            up[i] += step
            down[i] -= step
            let (lu, gu, _) = try runShaped(loss, up, y, batch: 2, classes: 3, spatial: 4, reduction: .sum)
            let (ld, gd, _) = try runShaped(loss, down, y, batch: 2, classes: 3, spatial: 4, reduction: .sum)
            #expect(Swift.abs((lu - ld) / (2 * step) - g[i]) < 1e-8)
            #expect(Swift.abs((gu[i] - gd[i]) / (2 * step) - h[i]) < 1e-7)
        }
    }

    @Test func validationNamesTheArgument() {
        expectError(.indexOutOfRange, mentioning: "target") {
            _ = try runShaped(DiceLoss(parameters: [1, 1, 0]), x, [0, 3, 1, 1, 2, 0, 0, 0], batch: 2, classes: 3, spatial: 4)
        }
        expectError(.invalidArgument, mentioning: "input") {
            _ = try runShaped(DiceLoss(parameters: [1, 0, 0]), x, y, batch: 2, classes: 3, spatial: 4)
        }
    }
}
