import LossKit
import Testing

/// Array-owning front ends to the drivers for the tests: values are given in `Double`, copied
/// into memory of the scalar type under test, validated and evaluated the way the C ABI does it,
/// and the outputs read back in `Double`.

/// The memory of one call. Outputs get ``guardCount`` extra elements holding ``sentinel``;
/// reading an output back checks that the driver wrote nothing past its end.
final class Arena<T: LossScalar> {
    static var guardCount: Int { 2 * T.Vector.scalarCount }
    static var sentinel: T { -12345.5 }

    private var blocks: [UnsafeMutablePointer<T>] = []

    func copy(_ values: [Double]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(values.count, 1))
        p.initialize(from: values.map { T($0) }, count: values.count)
        blocks.append(p)
        return p
    }

    func copy(_ values: [Double]?) -> UnsafeMutablePointer<T>? { values.map { copy($0) } }

    func output(_ count: Int) -> UnsafeMutablePointer<T> {
        copy([Double](repeating: Double(Self.sentinel), count: count + Self.guardCount))
    }

    /// The first `count` values of an output; expects its guard elements untouched.
    func read(_ p: UnsafeMutablePointer<T>?, _ count: Int, sourceLocation: SourceLocation = #_sourceLocation) -> [Double] {
        guard let p else { return [] }
        let guards = (count..<count + Self.guardCount).filter { p[$0] != Self.sentinel }
        #expect(guards.isEmpty, "\(T.self): written past the end at \(guards)", sourceLocation: sourceLocation)
        return (0..<count).map { Double(p[$0]) }
    }

    deinit { blocks.forEach { $0.deallocate() } }
}

/// Outputs of one driver call, in `Double`.
struct DriverResult {
    /// The returned (reduced) loss.
    var loss: Double
    /// Per-element or per-row losses (``Reduction/none`` only, else empty).
    var losses: [Double]
    var grad: [Double]
    var hess: [Double]
}

/// One call of the elementwise driver.
struct ElementwiseCall {
    var input: [Double]
    var target: [Double]
    var weight: [Double]? = nil
    var weighting: Weighting = .normalized
    var column: [Double]? = nil
    var reduction: Reduction = .mean

    func run<L: ElementwiseLoss, T: LossScalar>(
        _ loss: L, as _: T.Type, sourceLocation: SourceLocation = #_sourceLocation
    ) throws(LossKitError) -> DriverResult {
        let arena = Arena<T>()
        let n = input.count
        let problem = ElementwiseProblem<T>(
            count: n, input: arena.copy(input), target: arena.copy(target),
            weight: arena.copy(weight), weightCount: weight?.count ?? 0, weighting: weighting,
            column: arena.copy(column), columnCount: column?.count ?? 0, reduction: reduction,
            losses: reduction == .none ? arena.output(n) : nil,
            grad: arena.output(n), hess: arena.output(n))
        try problem.validate(for: L.spec)
        let value = evaluate(loss, problem)
        return DriverResult(loss: value,
                            losses: arena.read(problem.losses, n, sourceLocation: sourceLocation),
                            grad: arena.read(problem.grad, n, sourceLocation: sourceLocation),
                            hess: arena.read(problem.hess, n, sourceLocation: sourceLocation))
    }
}

/// One call of the cross-entropy driver over `rows` rows of `classes` logits.
struct CrossEntropyCall {
    var classes: Int
    var logits: [Double]
    var targetIndex: [Int64]? = nil
    var targetProbability: [Double]? = nil
    var classWeight: [Double]? = nil
    var sampleWeight: [Double]? = nil
    var ignoreIndex: Int64 = -100
    var labelSmoothing: Double = 0
    var reduction: Reduction = .mean

    var rows: Int { classes == 0 ? 0 : logits.count / classes }

    func run<T: LossScalar>(as _: T.Type, sourceLocation: SourceLocation = #_sourceLocation) throws(LossKitError) -> DriverResult {
        let arena = Arena<T>()
        return try withOptionalPointer(targetIndex) { (index) throws(LossKitError) in
            let problem = CrossEntropyProblem<T>(
                rows: rows, classes: classes, logits: arena.copy(logits),
                targetIndex: index, targetProbability: arena.copy(targetProbability),
                classWeight: arena.copy(classWeight), sampleWeight: arena.copy(sampleWeight),
                ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction,
                losses: reduction == .none ? arena.output(rows) : nil,
                grad: arena.output(logits.count), hess: arena.output(logits.count))
            try problem.validate()
            let value = evaluate(problem)
            return DriverResult(loss: value,
                                losses: arena.read(problem.losses, rows, sourceLocation: sourceLocation),
                                grad: arena.read(problem.grad, logits.count, sourceLocation: sourceLocation),
                                hess: arena.read(problem.hess, logits.count, sourceLocation: sourceLocation))
        }
    }
}

/// Calls `body` with a pointer to the elements of `array`, or nil.
func withOptionalPointer<E, R>(
    _ array: [E]?, _ body: (UnsafePointer<E>?) throws(LossKitError) -> R
) throws(LossKitError) -> R {
    guard let array else { return try body(nil) }
    let p = UnsafeMutablePointer<E>.allocate(capacity: Swift.max(array.count, 1))
    p.initialize(from: array, count: array.count)
    defer { p.deallocate() }
    return try body(p)
}
