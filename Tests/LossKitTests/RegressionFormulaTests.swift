import Foundation
import LossKit
import Testing

/// The regression and count/GLM formulas against float64 references written here and finite
/// differences (see `checkFormula`), for `Float` and `Double` vectors; values where a naive
/// formula would overflow or cancel; and the boolean flag parameters they introduced.

/// Log-means in [-3, 3) against the targets of a count or GLM loss (all values exact in `Float`).
func logMeanPoints(targets: [Double]) -> [Point] {
    (-24..<24).flatMap { k in targets.map { Point(x: Double(k) / 8 + 1.0 / 16, y: $0) } }
}

/// Inputs and targets above -1 for log(1 + x), exact in `Float`.
let log1pPoints: [Point] = (-6..<40).flatMap { k in
    [-0.5, 0, 1.5, 7].map { Point(x: Double(k) / 8 + 1.0 / 16, y: $0) }
}

/// Rates in (0, 5) against counts, for `poisson_nll_loss(log_input: false)`.
let ratePoints: [Point] = (0..<40).flatMap { k in
    [0, 1, 2, 7].map { Point(x: Double(k) / 8 + 1.0 / 16, y: $0) }
}

/// The Stirling term PyTorch adds with `full`, where y > 1.
func stirling(_ y: Double) -> Double {
    y > 1 ? y * Foundation.log(y) - y + 0.5 * Foundation.log(2 * Double.pi * y) : 0
}

@Suite("Regression and count formulas")
struct RegressionFormulaTests {
    // The residuals of `regressionPoints` stay 1/16 away from multiples of 1/8, so every kink
    // below (0, β, ε) is a multiple of 1/8.

    @Test(arguments: [1.0, 0.375, 0])
    func smoothL1(beta: Double) {
        checkFormula(SmoothL1Loss(beta: beta), at: regressionPoints) { p in
            let r = Swift.abs(p.x - p.y)
            return r < beta ? r * r / (2 * beta) : r - beta / 2
        }
    }

    @Test func logCosh() {
        checkFormula(LogCoshLoss(), at: regressionPoints) { Foundation.log(Foundation.cosh($0.x - $0.y)) }
    }

    @Test(arguments: [1.0, 2.5, 0.3])
    func pseudoHuber(delta: Double) {
        checkFormula(PseudoHuberLoss(delta: delta), at: regressionPoints) { p in
            let z = (p.x - p.y) / delta
            return delta * delta * (Foundation.sqrt(1 + z * z) - 1)
        }
    }

    @Test(arguments: [1.0, 0.375, 4])
    func fair(c: Double) {
        checkFormula(FairLoss(c: c), at: regressionPoints) { p in
            let a = Swift.abs(p.x - p.y)
            return c * c * (a / c - Foundation.log(1 + a / c))
        }
    }

    @Test(arguments: [0.5, 0.1, 0.9])
    func quantile(tau: Double) {
        checkFormula(QuantileLoss(quantile: tau), at: regressionPoints) { p in
            let u = p.y - p.x
            return Swift.max(tau * u, (tau - 1) * u)
        }
    }

    @Test(arguments: [0.5, 0.2, 0.85])
    func expectile(tau: Double) {
        checkFormula(ExpectileLoss(expectile: tau), at: regressionPoints) { p in
            let u = p.y - p.x
            return (u < 0 ? 1 - tau : tau) * u * u
        }
    }

    @Test(arguments: [(0.125, false), (0.5, true), (0, true)])
    func epsilonInsensitive(epsilon: Double, squared: Bool) {
        checkFormula(EpsilonInsensitiveLoss(epsilon: epsilon, squared: squared), at: regressionPoints) { p in
            let e = Swift.max(0, Swift.abs(p.x - p.y) - epsilon)
            return squared ? e * e : e
        }
    }

    @Test func mape() {
        checkFormula(MAPELoss(), at: regressionPoints) { p in
            Swift.abs(p.x - p.y) / Swift.max(Swift.abs(p.y), 2.220446049250313e-16)
        }
    }

    @Test func squaredLogError() {
        checkFormula(SquaredLogErrorLoss(), at: log1pPoints) { p in
            let d = Foundation.log((1 + p.x) / (1 + p.y))
            return d * d
        }
    }

    @Test(arguments: [false, true])
    func poissonOnLogRates(full: Bool) {
        checkFormula(PoissonNLLLoss(logInput: true, full: full), at: logMeanPoints(targets: [0, 1, 2, 7])) { p in
            Foundation.exp(p.x) - p.y * p.x + (full ? stirling(p.y) : 0)
        }
    }

    @Test(arguments: [(1e-8, false), (0.25, true)])
    func poissonOnRates(eps: Double, full: Bool) {
        checkFormula(PoissonNLLLoss(logInput: false, full: full, eps: eps), at: ratePoints) { p in
            p.x - p.y * Foundation.log(p.x + eps) + (full ? stirling(p.y) : 0)
        }
    }

    @Test func gamma() {
        checkFormula(GammaLoss(), at: logMeanPoints(targets: [0.25, 1, 2.5, 7])) { p in
            p.x + p.y / Foundation.exp(p.x)
        }
    }

    @Test(arguments: [1.5, 1.125, 1.875])
    func tweedie(power: Double) {
        checkFormula(TweedieLoss(power: power), at: logMeanPoints(targets: [0, 0.25, 1, 7])) { p in
            let mu = Foundation.exp(p.x)
            return Foundation.pow(mu, 2 - power) / (2 - power) - p.y * Foundation.pow(mu, 1 - power) / (1 - power)
        }
    }

    /// Values at |x| = 1e4, where cosh, e^x or (r/δ)² overflow in a naive formula: finite where
    /// the mathematics is, and right.
    @Test func extremeInputs() {
        func check<L: ElementwiseLoss>(_ loss: L, _ point: Point, _ expected: Terms) {
            for (name, t) in [("Float", evaluateInLanes(loss, [point], as: Float.self)[0]),
                              ("Double", evaluateInLanes(loss, [point], as: Double.self)[0])] {
                let tolerance = Tolerance(relative: name == "Float" ? 1e-6 : 1e-13, absolute: 1e-30)
                #expect(tolerance.accepts(t.loss, expected.loss) && tolerance.accepts(t.grad, expected.grad)
                        && tolerance.accepts(t.hess, expected.hess), "\(L.spec.name) \(name) \(point): \(t)")
            }
        }
        let logTwo = 0.6931471805599453
        check(LogCoshLoss(), Point(x: 1e4, y: 0), Terms(loss: 1e4 - logTwo, grad: 1, hess: 0))
        check(LogCoshLoss(), Point(x: -1e4, y: 0), Terms(loss: 1e4 - logTwo, grad: -1, hess: 0))
        let q = (1 + 1e14).squareRoot()
        check(PseudoHuberLoss(delta: 1e-3), Point(x: 1e4, y: 0),
              Terms(loss: 1e-6 * (q - 1), grad: 1e4 / q, hess: 1 / (q * q * q)))
        check(PoissonNLLLoss(), Point(x: -1e4, y: 3), Terms(loss: 3e4, grad: -3, hess: 0))
        check(GammaLoss(), Point(x: 1e4, y: 2), Terms(loss: 1e4, grad: 1, hess: 0))
        // A zero target switches y·e^((1-ρ)m) off even though e^5000 overflows.
        check(TweedieLoss(), Point(x: -1e4, y: 0), Terms(loss: 0, grad: 0, hess: 0))
    }

    /// Near r = 0 log cosh r = r²/2 - r⁴/12 + r⁶/45 - ...; |r| + softplus(-2|r|) - log 2 would
    /// give 0 in `Float` for |r| ≤ 1e-4.
    @Test func logCoshKeepsPrecisionNearZero() {
        func series(_ r: Double) -> Double { r * r / 2 - Foundation.pow(r, 4) / 12 + Foundation.pow(r, 6) / 45 }
        for r in [1e-4, -3e-3, 1e-6] {
            let f = evaluateInLanes(LogCoshLoss(), [Point(x: r, y: 0)], as: Float.self)[0].loss
            let d = evaluateInLanes(LogCoshLoss(), [Point(x: r, y: 0)], as: Double.self)[0].loss
            #expect(Tolerance(relative: 1e-6, absolute: 0).accepts(f, series(Double(Float(r)))), "\(r)")
            #expect(Tolerance(relative: 1e-13, absolute: 0).accepts(d, series(r)), "\(r)")
        }
    }

    /// At the kinks: quantile's gradient is 0 at r = 0 (as l1's), expectile's Hessian takes
    /// the over-prediction side 2(1 - τ), smooth L1 at |r| = β is on its linear side, and
    /// |r| = ε is inside the ε-insensitive band.
    @Test func kinks() {
        #expect(evaluateInLanes(QuantileLoss(quantile: 0.8), [Point(x: 1, y: 1)], as: Double.self)[0]
                == Terms(loss: 0, grad: 0, hess: 0))
        #expect(evaluateInLanes(ExpectileLoss(expectile: 0.75), [Point(x: 1, y: 1)], as: Float.self)[0]
                == Terms(loss: 0, grad: 0, hess: 0.5))
        #expect(evaluateInLanes(SmoothL1Loss(beta: 0.5), [Point(x: 0.5, y: 0)], as: Double.self)[0]
                == Terms(loss: 0.25, grad: 1, hess: 0))
        #expect(evaluateInLanes(EpsilonInsensitiveLoss(epsilon: 0.5, squared: true),
                                [Point(x: -0.5, y: 0)], as: Float.self)[0] == Terms(loss: 0, grad: 0, hess: 0))
    }

    /// Boolean options travel as 0 or 1: nothing else passes, and the JSON marks them.
    @Test func flagParameters() throws {
        let spec = PoissonNLLLoss.spec
        #expect(spec.parameters.map(\.isFlag) == [true, true, false])
        #expect(spec.parameters.map(\.defaultValue) == [1, 0, 1e-8])
        #expect(throws: Never.self) { try spec.validate([0, 1, 0]) }
        for bad in [0.5, 2, -1, .nan, .infinity] {
            #expect(throws: LossKitError.self, "\(bad)") { try spec.validate([bad, 0, 1e-8]) }
        }
        #expect(spec.parameters[0].rangeDescription == "{0, 1}")
        let json = try #require(JSONSerialization.jsonObject(with: Data(Catalogue.json(version: "0").utf8)) as? [String: Any])
        let losses = try #require(json["losses"] as? [[String: Any]])
        let poisson = try #require(losses.first { $0["name"] as? String == "poisson_nll_loss" })
        let flags = try #require(poisson["parameters"] as? [[String: Any]]).map { $0["flag"] as? Bool }
        #expect(flags == [true, true, false])
    }

    /// `parameters` gives back what `init(parameters:)` took, so the Swift array API validates a
    /// loss built in Swift exactly like one built from the C ABI.
    @Test func parametersRoundTrip() {
        let values: [(any ElementwiseLoss.Type, [Double])] = [
            (SmoothL1Loss.self, [0.25]), (PseudoHuberLoss.self, [2]), (FairLoss.self, [0.5]),
            (QuantileLoss.self, [0.3]), (ExpectileLoss.self, [0.7]), (EpsilonInsensitiveLoss.self, [0.2, 1]),
            (PoissonNLLLoss.self, [0, 1, 0.5]), (TweedieLoss.self, [1.25]),
            (LogCoshLoss.self, []), (MAPELoss.self, []), (SquaredLogErrorLoss.self, []), (GammaLoss.self, []),
        ]
        for (type, parameters) in values {
            #expect(type.init(parameters: parameters).parameters == parameters, "\(type.spec.name)")
            #expect(type.spec.parameters.count == parameters.count, "\(type.spec.name)")
        }
    }
}
