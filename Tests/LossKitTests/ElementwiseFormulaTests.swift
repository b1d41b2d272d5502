import Foundation
import LossKit
import Testing

/// Tests of the elementwise formulas themselves, without a driver: each loss against an
/// independent float64 formula, its derivatives against finite differences, for `Float` and
/// `Double` vectors, plus hand-derived values where a naive formula would fail.

/// One point at which an elementwise loss is evaluated.
struct Point: CustomStringConvertible {
    var x: Double
    var y: Double
    var column: Double = 1
    var description: String { "x=\(x) y=\(y) column=\(column)" }
}

/// A loss and its first and second derivative at one point, in `Double`.
struct Terms: Equatable {
    var loss: Double
    var grad: Double
    var hess: Double
}

/// Evaluates `loss` at `points` with vectors of `T`, a different point in every lane (so a lane
/// mix-up shows), and returns the results in `Double`.
func evaluateInLanes<L: ElementwiseLoss, T: LossScalar>(_ loss: L, _ points: [Point], as _: T.Type) -> [Terms] {
    let width = T.Vector.scalarCount
    var results: [Terms] = []
    for start in stride(from: 0, to: points.count, by: width) {
        let chunk = points[start..<min(start + width, points.count)]
        var x = T.Vector.zero, y = T.Vector.zero, column = T.Vector(repeating: 1)
        for (k, p) in chunk.enumerated() {
            x[k] = T(p.x)
            y[k] = T(p.y)
            column[k] = T(p.column)
        }
        let t = loss.evaluate(x, y, column: column)
        for k in 0..<chunk.count {
            results.append(Terms(loss: Double(t.loss[k]), grad: Double(t.grad[k]), hess: Double(t.hess[k])))
        }
    }
    return results
}

/// Checks `loss` at every point, for `Float` and `Double` vectors: the loss against `reference`,
/// the gradient against a central difference of the `Double` loss, the Hessian against a central
/// difference of the `Double` gradient. Points must be exact in `Float` and away from kinks.
func checkFormula<L: ElementwiseLoss>(
    _ loss: L, at points: [Point], reference: (Point) -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    func inDouble(_ p: Point, x: Double) -> Terms {
        evaluateInLanes(loss, [Point(x: x, y: p.y, column: p.column)], as: Double.self)[0]
    }
    let expected = points.map { p in
        Terms(loss: reference(p),
              grad: centralDifference(at: p.x) { inDouble(p, x: $0).loss },
              hess: centralDifference(at: p.x) { inDouble(p, x: $0).grad })
    }
    func check<T: LossScalar>(_: T.Type) {
        let tolerance = Tolerance.finiteDifference(T.self)
        let actual = evaluateInLanes(loss, points, as: T.self)
        for (p, (a, e)) in zip(points, zip(actual, expected)) {
            #expect(tolerance.accepts(a.loss, e.loss), "\(L.spec.name) \(T.self) \(p): loss \(a.loss), reference \(e.loss)", sourceLocation: sourceLocation)
            #expect(tolerance.accepts(a.grad, e.grad), "\(L.spec.name) \(T.self) \(p): grad \(a.grad), finite difference \(e.grad)", sourceLocation: sourceLocation)
            #expect(tolerance.accepts(a.hess, e.hess), "\(L.spec.name) \(T.self) \(p): hess \(a.hess), finite difference \(e.hess)", sourceLocation: sourceLocation)
        }
    }
    check(Float.self)
    check(Double.self)
}

/// Inputs ≡ 1/16 (mod 1/8) in [-3, 3) against targets that are multiples of 1/8: every residual
/// is at least 1/16 from a multiple of 1/8, hence from the kinks of l1 (0) and huber (±δ for the
/// deltas used here), and every value is exact in `Float`.
let regressionPoints: [Point] = (-24..<24).flatMap { k in
    [-1.25, 0, 0.5, 2.125].map { Point(x: Double(k) / 8 + 1.0 / 16, y: $0) }
}

/// Logits in [-12, 12] against hard and soft targets, with and without a positive-class weight.
let logitPoints: [Point] = (-48...48).flatMap { k in
    [0, 0.25, 1].flatMap { y in [1, 2.5, 0.5].map { Point(x: Double(k) / 4, y: y, column: $0) } }
}

/// σ(x) = 1 / (1 + e^-x), written out for the references.
func logistic(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

/// BCE on logits as the textbook writes it, -[p·y·log σ(x) + (1 - y)·log(1 - σ(x))]; accurate
/// for |x| ≤ 12 (1 - σ(12) ≈ 6e-6 keeps ten digits).
func referenceBCE(x: Double, y: Double, posWeight p: Double) -> Double {
    let s = logistic(x)
    return -(p * y * Foundation.log(s) + (1 - y) * Foundation.log(1 - s))
}

@Suite("Elementwise formulas")
struct ElementwiseFormulaTests {
    @Test func mseMatchesReferenceAndFiniteDifferences() {
        checkFormula(MSELoss(), at: regressionPoints) { ($0.x - $0.y) * ($0.x - $0.y) }
    }

    @Test func l1MatchesReferenceAndFiniteDifferences() {
        checkFormula(L1Loss(), at: regressionPoints) { Swift.abs($0.x - $0.y) }
    }

    @Test(arguments: [1.0, 0.5, 2.25])
    func huberMatchesReferenceAndFiniteDifferences(delta: Double) {
        checkFormula(HuberLoss(delta: delta), at: regressionPoints) { p in
            let r = Swift.abs(p.x - p.y)
            return r <= delta ? r * r / 2 : delta * r - delta * delta / 2
        }
    }

    @Test func bceWithLogitsMatchesReferenceAndFiniteDifferences() {
        checkFormula(BinaryCrossEntropyWithLogits(), at: logitPoints) { p in
            referenceBCE(x: p.x, y: p.y, posWeight: p.column)
        }
    }

    /// Both branches meet at |r| = δ: ½δ², gradient ±δ; the quadratic branch owns the boundary.
    @Test func huberAtAndAroundDelta() {
        let huber = HuberLoss(delta: 1.5)
        let cases: [(Point, Terms)] = [
            (Point(x: 1.5, y: 0), Terms(loss: 1.125, grad: 1.5, hess: 1)),
            (Point(x: -1, y: 0.5), Terms(loss: 1.125, grad: -1.5, hess: 1)),
            (Point(x: 1.25, y: 0), Terms(loss: 0.78125, grad: 1.25, hess: 1)),
            (Point(x: 1.75, y: 0), Terms(loss: 1.5, grad: 1.5, hess: 0)),
            (Point(x: -2, y: 0), Terms(loss: 1.875, grad: -1.5, hess: 0)),
        ]
        for (point, expected) in cases {
            #expect(evaluateInLanes(huber, [point], as: Float.self)[0] == expected, "\(point)")
            #expect(evaluateInLanes(huber, [point], as: Double.self)[0] == expected, "\(point)")
        }
    }

    /// At x = y the gradient is PyTorch's subgradient 0; a NaN input stays NaN in loss and
    /// gradient instead of turning into a silent 0.
    @Test func l1AtZeroAndNaN() {
        for terms in [evaluateInLanes(L1Loss(), [Point(x: 0.75, y: 0.75)], as: Float.self)[0],
                      evaluateInLanes(L1Loss(), [Point(x: 0.75, y: 0.75)], as: Double.self)[0]] {
            #expect(terms == Terms(loss: 0, grad: 0, hess: 0))
        }
        let nan = evaluateInLanes(L1Loss(), [Point(x: .nan, y: 1)], as: Double.self)[0]
        #expect(nan.loss.isNaN && nan.grad.isNaN)
    }

    /// At |x| = 1e4 every exponential in a naive formula overflows; the exact values are
    /// l = (1 - y)·x + lw·max(-x, 0), ∂l/∂x = (1 - y) - lw·[x < 0], ∂²l/∂x² = 0 (lw = 1 + (p - 1)·y).
    @Test func bceWithLogitsAtHugeLogits() {
        let cases: [(Point, Terms)] = [
            (Point(x: 1e4, y: 1), Terms(loss: 0, grad: 0, hess: 0)),
            (Point(x: 1e4, y: 0), Terms(loss: 1e4, grad: 1, hess: 0)),
            (Point(x: -1e4, y: 1), Terms(loss: 1e4, grad: -1, hess: 0)),
            (Point(x: -1e4, y: 0), Terms(loss: 0, grad: 0, hess: 0)),
            (Point(x: -1e4, y: 1, column: 3), Terms(loss: 3e4, grad: -3, hess: 0)),
            (Point(x: 1e4, y: 0.25), Terms(loss: 7500, grad: 0.75, hess: 0)),
            (Point(x: -1e4, y: 0.25, column: 3), Terms(loss: -7500 + 1.5e4, grad: 0.75 - 1.5, hess: 0)),
        ]
        for (point, expected) in cases {
            #expect(evaluateInLanes(BinaryCrossEntropyWithLogits(), [point], as: Float.self)[0] == expected, "Float \(point)")
            #expect(evaluateInLanes(BinaryCrossEntropyWithLogits(), [point], as: Double.self)[0] == expected, "Double \(point)")
        }
    }

    /// softplus(v) = max(v, 0) + log1p(e^-|v|): ≈ e^v with full relative accuracy far left (where
    /// log(1 + e^v) rounds to 0 or loses digits), v exactly far right, never inf or NaN.
    @Test func softplusIsStable() {
        let e30 = 9.357622968840175e-14  // e^-30
        let e20 = 2.061153622438558e-9   // e^-20
        let d = softplus(SIMD8<Double>(-30, -1e4, 1e4, 0, 30, -745, 745, 1))
        #expect(Tolerance(relative: 1e-12, absolute: 0).accepts(d[0], e30))
        #expect(d[1] == 0 && d[2] == 1e4 && d[6] == 745 && d[5] >= 0 && d[5] < 1e-300)
        #expect(Tolerance(relative: 1e-15, absolute: 0).accepts(d[4], 30 + e30))
        #expect(Tolerance(relative: 1e-15, absolute: 0).accepts(d[3], 0.6931471805599453))
        #expect(Tolerance(relative: 1e-15, absolute: 0).accepts(d[7], 1.3132616875182228))  // log(1 + e)
        let f = softplus(SIMD16<Float>(-20, -1e4, 1e4, 0, 20, -104, 104, 88.75,
                                        1, 1, 1, 1, 1, 1, 1, 1))
        #expect(Tolerance(relative: 1e-6, absolute: 0).accepts(Double(f[0]), e20))
        #expect(f[1] == 0 && f[2] == 1e4 && f[4] == 20 && f[6] == 104 && f[7] == 88.75)
        #expect(Tolerance(relative: 1e-7, absolute: 0).accepts(Double(f[3]), 0.6931471805599453))
        #expect(f[5] >= 0 && f[5].isFinite)
    }

    /// σ saturates to exactly 0 and 1 instead of producing NaN from inf/inf.
    @Test func sigmoidSaturates() {
        let d = sigmoid(SIMD8<Double>(-1e4, 1e4, 0, -800, 800, 2, -2, 40))
        #expect(d[0] == 0 && d[1] == 1 && d[2] == 0.5 && d[3] == 0 && d[4] == 1 && d[7] == 1)
        #expect(Tolerance(relative: 1e-15, absolute: 0).accepts(d[5], 0.8807970779778823))
        #expect(Tolerance(relative: 1e-15, absolute: 0).accepts(d[6], 0.11920292202211755))
        #expect(sigmoid(SIMD16<Float>(repeating: -1e4)) == .zero)
        #expect(sigmoid(SIMD16<Float>(repeating: 1e4)) == SIMD16(repeating: 1))
    }
}
