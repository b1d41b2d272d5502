/// One part of a hybrid loss: a catalogue loss, its parameters (all of them, in catalogue
/// order) and its weight in the total.
///
/// A part is any catalogue loss whose derivatives have the prediction's shape and whose driver
/// reads the prediction and one shared target: every elementwise loss, `cross_entropy` and
/// every row-wise loss. A loss added to either list (e.g. a row-wise Dice loss) can be a part
/// with no change here; a loss with a driver of its own needs one case in ``Loss``.
public struct HybridTerm: Sendable {
    /// The driver that evaluates the part.
    public enum Loss: Sendable {
        case elementwise(any ElementwiseLoss.Type)
        case crossEntropy
        case rowwise(any RowwiseLoss.Type)
    }

    public let loss: Loss
    public let parameters: [Double]
    public let weight: Double

    /// The part with catalogue id `id`. Fewer `parameters` than the loss has leave the trailing
    /// ones at their catalogue defaults; values are checked later, with the problem.
    public init(id: Int, parameters: [Double] = [], weight: Double = 1) throws(LossKitError) {
        guard id >= 0 && id < Catalogue.entries.count else {
            throw LossKitError(.unknownLoss, "no loss has id \(id) (ids are 0..<\(Catalogue.entries.count))")
        }
        let entry = Catalogue.entries[id]
        let spec = entry.spec
        switch entry {
        case .elementwise(let type): loss = .elementwise(type)
        case .rowwise(let type): loss = .rowwise(type)
        case .structured(let s) where s.kind == .crossEntropy: loss = .crossEntropy
        default:
            throw LossKitError(.invalidArgument,
                "\(spec.name) (kind \(spec.kind.rawValue)) cannot be part of a hybrid loss: parts are elementwise losses, cross_entropy or row-wise losses")
        }
        let specs = spec.parameters
        guard parameters.count <= specs.count else {
            throw LossKitError(.invalidArgument,
                "\(spec.name) takes at most \(specs.count) parameter(s), got \(parameters.count)")
        }
        guard weight.isFinite else {
            throw LossKitError(.invalidArgument, "\(spec.name): the part's weight must be finite, got \(format(weight))")
        }
        self.parameters = parameters + specs[parameters.count...].map(\.defaultValue)
        self.weight = weight
    }

    /// The part named `name` in the catalogue (e.g. `"cross_entropy"`, `"softmax_focal_loss"`).
    public init(_ name: String, parameters: [Double] = [], weight: Double = 1) throws(LossKitError) {
        guard let id = Catalogue.entries.firstIndex(where: { $0.spec.name == name }) else {
            throw LossKitError(.unknownLoss, "no loss is named \(name)")
        }
        try self.init(id: id, parameters: parameters, weight: weight)
    }

    public var spec: LossSpec {
        switch loss {
        case .elementwise(let type): return type.spec
        case .crossEntropy: return SoftmaxCrossEntropy.spec
        case .rowwise(let type): return type.spec
        }
    }

    /// The target this part reads: `nil` for cross_entropy, which takes class indices or
    /// probabilities (``RowTarget/values``), whichever the call gives.
    var rowTarget: RowTarget? {
        switch loss {
        case .elementwise, .crossEntropy: return nil
        case .rowwise(let type): return type.spec.rowTarget ?? RowTarget.none
        }
    }
}

/// The shared arrays of one hybrid evaluation: `rows` × `classes` predictions (row-major) and
/// one target that every part reads.
///
/// - Elementwise parts see `rows * classes` elements and `targetValues` of the same length;
///   `sampleWeight` holds one weight per row (`rows` = elements, `classes` = 1 for a weight per
///   element).
/// - `cross_entropy` and row-wise parts see `rows` rows of `classes` scores, and `targetIndex`
///   (class indices, or -1-padded lists for ``RowTarget/classIndices``) or `targetValues`
///   (probabilities or values, rows × classes); `sampleWeight` holds one weight per row.
///
/// Outputs: `losses` (``RowReduction/none`` only) receives Σ_k w_k·(part k's losses), and
/// `partLosses`, if given, each part's losses (part k at offset k·``lossCount``); `grad` and
/// `hess` receive Σ_k w_k·(part k's derivatives), rows × classes values each.
public struct HybridProblem<T: LossScalar> {
    public var rows: Int
    public var classes: Int
    public var input: UnsafePointer<T>
    public var targetIndex: UnsafePointer<Int64>?
    public var targetValues: UnsafePointer<T>?
    public var sampleWeight: UnsafePointer<T>?
    public var ignoreIndex: Int64
    public var reduction: RowReduction
    public var losses: UnsafeMutablePointer<T>?
    public var partLosses: UnsafeMutablePointer<T>?
    public var grad: UnsafeMutablePointer<T>?
    public var hess: UnsafeMutablePointer<T>?

    public init(rows: Int, classes: Int, input: UnsafePointer<T>,
                targetIndex: UnsafePointer<Int64>? = nil, targetValues: UnsafePointer<T>? = nil,
                sampleWeight: UnsafePointer<T>? = nil, ignoreIndex: Int64 = -100,
                reduction: RowReduction = .mean, losses: UnsafeMutablePointer<T>? = nil,
                partLosses: UnsafeMutablePointer<T>? = nil,
                grad: UnsafeMutablePointer<T>? = nil, hess: UnsafeMutablePointer<T>? = nil) {
        self.rows = rows
        self.classes = classes
        self.input = input
        self.targetIndex = targetIndex
        self.targetValues = targetValues
        self.sampleWeight = sampleWeight
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
        self.losses = losses
        self.partLosses = partLosses
        self.grad = grad
        self.hess = hess
    }

    /// The number of losses every part writes for ``RowReduction/none`` (the parts must agree;
    /// ``validate(_:)`` checks it): one per element for elementwise parts and per-element
    /// row-wise losses (kl_div), one per row otherwise.
    public func lossCount(_ term: HybridTerm) -> Int {
        switch term.loss {
        case .elementwise: return rows * classes
        case .crossEntropy: return rows
        case .rowwise(let type): return type.elementLosses ? rows * classes : rows
        }
    }

    /// Checks that the parts share one input and target convention, that the given target is
    /// the one they read, then each part's own problem (parameters, domains, class indices,
    /// weights), before any part runs. Errors name the part (`part 1 (softmax_focal_loss): ...`).
    public func validate(_ terms: [HybridTerm]) throws(LossKitError) {
        try checkConventions(terms)
        // Each part's own checks, on the problem it will run (outputs are placeholders: the
        // checks read no output).
        let out = UnsafeMutablePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
        for k in terms.indices {
            do throws(LossKitError) {
                try part(terms[k], losses: out, grad: nil, hess: nil, validating: true)
            } catch {
                throw LossKitError(error.status, "part \(k) (\(terms[k].spec.name)): \(error.message)")
            }
        }
    }

    /// The first half of ``validate(_:)``, which reads no array: the parts share one input and
    /// target convention, the given target arrays are the ones they read, and under
    /// ``RowReduction/none`` they give the same number of losses.
    public func checkConventions(_ terms: [HybridTerm]) throws(LossKitError) {
        guard !terms.isEmpty else { throw LossKitError(.invalidArgument, "a hybrid loss needs at least one part") }
        guard rows >= 0, classes >= 0 else {
            throw LossKitError(.shapeMismatch, "rows and classes must be >= 0, got \(rows) and \(classes)")
        }
        guard rows <= Int.max / 8 / Swift.max(classes, 1) else { throw LossKitError(.shapeMismatch, "rows × classes overflows") }
        let name = { (k: Int) in "part \(k) (\(terms[k].spec.name))" }
        // One convention: all elementwise, or all row-wise (cross_entropy included).
        let elementwise = terms.map { if case .elementwise = $0.loss { true } else { false } }
        if let e = elementwise.firstIndex(of: true), let r = elementwise.firstIndex(of: false) {
            throw LossKitError(.invalidArgument,
                "incompatible parts: \(name(e)) is elementwise (input and target of one shape) but \(name(r)) is row-wise (rows of class scores); the parts of a hybrid loss must all be elementwise or all be cross_entropy and row-wise losses")
        }
        if elementwise[0] {
            if targetIndex != nil {
                throw LossKitError(.invalidArgument, "elementwise parts take target values, not class indices (target_index)")
            }
            if targetValues == nil && rows * classes > 0 { throw LossKitError(.nullPointer, "target: target_values is NULL") }
            if reduction == .batchmean {
                throw LossKitError(.invalidArgument, "reduction 'batchmean' is for row-wise parts only")
            }
        } else {
            try checkRowTargets(terms, name)
        }
        if reduction == .none {
            let count = lossCount(terms[0])
            for k in terms.indices where lossCount(terms[k]) != count {
                throw LossKitError(.shapeMismatch,
                    "incompatible parts under reduction 'none': \(name(0)) gives \(count) losses but \(name(k)) gives \(lossCount(terms[k]))")
            }
            if losses == nil && partLosses == nil && count > 0 {
                throw LossKitError(.nullPointer, "reduction 'none' needs an output array for the losses")
            }
        }
    }

    /// Row-wise parts: the targets they read must be one kind, and the one given.
    func checkRowTargets(_ terms: [HybridTerm], _ name: (Int) -> String) throws(LossKitError) {
        var kind: RowTarget? = nil
        var first = 0
        for k in terms.indices {
            guard let t = terms[k].rowTarget, t != .none else { continue }
            if let kind, kind != t {
                throw LossKitError(.invalidArgument,
                    "incompatible parts: \(name(first)) takes \(describe(kind)) but \(name(k)) takes \(describe(t))")
            }
            kind = t
            first = k
        }
        let crossEntropy = terms.firstIndex { if case .crossEntropy = $0.loss { true } else { false } }
        if let c = crossEntropy, kind == .classIndices {
            throw LossKitError(.invalidArgument,
                "incompatible parts: \(name(c)) takes class indices or probabilities but \(name(first)) takes \(describe(.classIndices))")
        }
        let needsTarget = kind != nil || crossEntropy != nil
        let count = rows * classes
        switch kind {
        case .classIndex?, .classIndices?:
            if targetValues != nil {
                throw LossKitError(.invalidArgument, "\(name(first)) takes \(describe(kind!)), not target values")
            }
            if targetIndex == nil && rows > 0 { throw LossKitError(.nullPointer, "target: class indices (target_index) are NULL") }
        case .values?:
            if targetIndex != nil {
                throw LossKitError(.invalidArgument, "\(name(first)) takes \(describe(.values)), not class indices")
            }
            if targetValues == nil && count > 0 { throw LossKitError(.nullPointer, "target: target_values is NULL") }
        case .none?, nil:
            if needsTarget {
                if targetIndex != nil && targetValues != nil {
                    throw LossKitError(.invalidArgument, "target: give class indices or class probabilities, not both")
                }
                if targetIndex == nil && targetValues == nil && rows > 0 {
                    throw LossKitError(.nullPointer, "target: give class indices (target_index) or class probabilities (target_values)")
                }
            } else if targetIndex != nil || targetValues != nil {
                throw LossKitError(.invalidArgument, "no part takes a target; pass NULL for both target arrays")
            }
        }
    }

    /// Runs (or, `validating`, only checks) one part on the shared arrays, writing to the given
    /// outputs; returns the part's reduced value.
    @discardableResult
    func part(_ term: HybridTerm, losses: UnsafeMutablePointer<T>?, grad: UnsafeMutablePointer<T>?,
              hess: UnsafeMutablePointer<T>?, validating: Bool = false) throws(LossKitError) -> Double {
        let empty = UnsafePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
        let count = rows * classes
        switch term.loss {
        case .elementwise(let type):
            let reduction: Reduction = switch self.reduction {
            case .none: .none
            case .sum: .sum
            case .mean, .batchmean: .mean
            }
            let p = ElementwiseProblem<T>(
                count: count, input: input, target: targetValues ?? empty,
                weight: sampleWeight, weightCount: sampleWeight == nil ? 0 : rows, weighting: .normalized,
                reduction: reduction, losses: losses, grad: grad, hess: hess)
            if validating {
                try type.spec.validate(term.parameters)
                try p.validate(for: type.spec)
                return 0
            }
            return T.evaluate(type, parameters: term.parameters, p)
        case .crossEntropy:
            guard let reduction = Reduction(rawValue: self.reduction.rawValue) else {
                throw LossKitError(.invalidArgument, "reduction 'batchmean' is not one of cross_entropy's reductions")
            }
            // With no rows, no target is an (empty) index target.
            let index = targetIndex ?? (targetValues == nil ? UnsafePointer<Int64>(bitPattern: MemoryLayout<Int64>.alignment) : nil)
            let p = CrossEntropyProblem<T>(
                rows: rows, classes: classes, logits: input, targetIndex: index,
                targetProbability: targetIndex == nil ? targetValues : nil,
                sampleWeight: sampleWeight, ignoreIndex: ignoreIndex, labelSmoothing: term.parameters[0],
                reduction: reduction, losses: losses, grad: grad, hess: hess)
            if validating {
                try p.validate()
                return 0
            }
            return T.evaluate(p)
        case .rowwise(let type):
            let target = type.spec.rowTarget ?? RowTarget.none
            let p = RowwiseProblem<T>(
                rows: rows, classes: classes, input: input,
                targetIndex: target == .classIndex || target == .classIndices ? targetIndex : nil,
                targetValues: target == .values ? targetValues : nil,
                sampleWeight: sampleWeight, ignoreIndex: ignoreIndex, reduction: reduction,
                losses: losses, grad: grad, hess: hess)
            if validating {
                try p.validate(type, parameters: term.parameters)
                return 0
            }
            return T.evaluate(type, parameters: term.parameters, p)
        }
    }
}

private func describe(_ target: RowTarget) -> String {
    switch target {
    case .classIndex: return "one class index per row"
    case .classIndices: return "lists of class indices per row"
    case .values: return "target values (rows × classes)"
    case .none: return "no target"
    }
}

/// Evaluates a hybrid loss Σ_k w_k·L_k on a validated problem (see ``HybridProblem/validate(_:)``)
/// and returns the total; `parts`, if given, receives each part's reduced value L_k (for
/// ``RowReduction/none``, the sum of its losses), exactly as a call of that loss alone returns it.
///
/// Each part runs its own driver (specialised for the loss and `T`, as from the C ABI). The
/// first part writes straight into `grad`, `hess` and `losses`, which are then scaled by its
/// weight; every later part writes into one scratch buffer per output (allocated once per call
/// and reused by all parts), which is added with its weight. So a call with k parts costs the
/// k fused passes of its parts, plus, for each part after the first, one pass of `out += w·part`
/// per requested output, and at most three scratch arrays of the output's size.
public func evaluate<T: LossScalar>(_ terms: [HybridTerm], _ p: HybridProblem<T>,
                                    parts: UnsafeMutablePointer<Double>? = nil) throws(LossKitError) -> Double {
    let n = p.rows * p.classes
    let lossCount = p.reduction == .none ? p.lossCount(terms[0]) : 0
    let later = terms.count > 1
    // Scratch for the later parts (grad, hess, losses), allocated before any part writes.
    let gradCount = later && p.grad != nil ? n : 0
    let hessCount = later && p.hess != nil ? n : 0
    let lossScratchCount = later && lossCount > 0 && p.partLosses == nil ? lossCount : 0
    let scratch = try allocateScratch(scratchCount(1, gradCount + hessCount, plus: lossScratchCount), of: T.self,
                                      for: "the hybrid loss's scratch for its later parts, \(gradCount + hessCount + lossScratchCount) values,")
    defer { releaseScratch(scratch) }
    let gs = scratch, hs = scratch + gradCount, ls = scratch + gradCount + hessCount
    var total = 0.0
    for (k, term) in terms.enumerated() {
        let first = k == 0
        let g = p.grad == nil ? nil : (first ? p.grad : gs)
        let h = p.hess == nil ? nil : (first ? p.hess : hs)
        var l: UnsafeMutablePointer<T>? = nil
        if p.reduction == .none && lossCount > 0 {
            l = p.partLosses.map { $0 + k * lossCount } ?? (first ? p.losses : ls)
        }
        // Validated: a part cannot fail here.
        let value = (try? p.part(term, losses: l, grad: g, hess: h)) ?? .nan
        parts?[k] = value
        total += term.weight * value
        let w = T(term.weight)
        if let out = p.grad { accumulate(out, g!, n, w, first) }
        if let out = p.hess { accumulate(out, h!, n, w, first) }
        if let out = p.losses, let l { accumulate(out, l, lossCount, w, first) }
    }
    return total
}

/// `out = w·part` (the first part; in place when `part` is `out`) or `out += w·part`.
@inlinable
func accumulate<T: LossScalar>(_ out: UnsafeMutablePointer<T>, _ part: UnsafeMutablePointer<T>,
                               _ n: Int, _ w: T, _ first: Bool) {
    if first {
        if out == part && w == 1 { return }
        for i in 0..<n { out[i] = w * part[i] }
    } else {
        for i in 0..<n { out[i] += w * part[i] }
    }
}
