/// One numeric parameter of a loss: its name (as in the Python API), default and valid range.
///
/// A boolean option (PyTorch's `log_input`, `full`, ...) is a *flag*: it travels through the
/// C ABI as the double 0 (false) or 1 (true), and every other value is refused, so a C caller
/// cannot pass 0.5 and get an undocumented meaning.
public struct ParameterSpec: Sendable {
    public let name: String
    public let defaultValue: Double
    /// Smallest valid value; whether it is itself valid.
    public let lower: Double
    public let lowerInclusive: Bool
    /// Largest valid value; whether it is itself valid.
    public let upper: Double
    public let upperInclusive: Bool
    /// Whether the parameter is a boolean option: exactly 0 or 1.
    public private(set) var isFlag: Bool

    public init(_ name: String, default defaultValue: Double,
                lower: Double = -.infinity, lowerInclusive: Bool = false,
                upper: Double = .infinity, upperInclusive: Bool = false) {
        self.name = name
        self.defaultValue = defaultValue
        self.lower = lower
        self.lowerInclusive = lowerInclusive
        self.upper = upper
        self.upperInclusive = upperInclusive
        self.isFlag = false
    }

    /// A boolean option, passed as 0 (false) or 1 (true).
    public static func flag(_ name: String, default value: Bool) -> ParameterSpec {
        var spec = ParameterSpec(name, default: value ? 1 : 0, lower: 0, lowerInclusive: true,
                                 upper: 1, upperInclusive: true)
        spec.isFlag = true
        return spec
    }

    /// Whether `value` is inside the range (0 or 1 for a flag). NaN never is; an infinity only
    /// when it is an inclusive bound (e.g. α = -inf for the adaptive robust loss), so the
    /// default unbounded range (-inf, inf) admits exactly the finite numbers.
    public func accepts(_ value: Double) -> Bool {
        guard !value.isNaN else { return false }
        if isFlag { return value == 0 || value == 1 }
        let aboveLower = lowerInclusive ? value >= lower : value > lower
        let belowUpper = upperInclusive ? value <= upper : value < upper
        return aboveLower && belowUpper
    }

    /// The range in interval notation, for error messages and the catalogue.
    public var rangeDescription: String {
        if isFlag { return "{0, 1}" }
        let lo = (lowerInclusive ? "[" : "(") + format(lower)
        let hi = format(upper) + (upperInclusive ? "]" : ")")
        return lo + ", " + hi
    }
}

/// How a loss consumes its inputs, which decides the driver and the C entry point.
public enum LossKind: String, Sendable {
    /// One input element and one target element at a time: `lk_elementwise`.
    case elementwise
    /// Rows of logits against class indices or class probabilities: `lk_cross_entropy`.
    case crossEntropy = "cross_entropy"
    /// Tuples of embedding rows (pairs, triplets, or values) with a label per tuple: `lk_embedding`.
    case embedding
    /// A batch of embeddings compared all against all (NT-Xent): `lk_ntxent`.
    case similarityMatrix = "similarity_matrix"
    /// Sequences of per-frame log-probabilities against label sequences (CTC): `lk_ctc`.
    case sequence
    /// One row of scores against that row's target (a class index, a list of class indices,
    /// a row of values, or nothing): `lk_rowwise` (see ``RowwiseLoss``).
    case rowwise
    /// Segmentation maps (N, C, d1, ...) against class maps or target maps, through per-class
    /// overlap sums over the spatial axes (Dice, Tversky, Jaccard): `lk_overlap` (see ``OverlapLoss``).
    case overlap
}

/// What a row-wise loss takes as the target of one row.
public enum RowTarget: String, Sendable {
    /// One class index per row (`target_index`, rows values); `ignore_index` applies.
    case classIndex = "class_index"
    /// A list of class indices per row, padded with -1 (`target_index`, rows × classes values).
    case classIndices = "class_indices"
    /// A row of values per row (`target_values`, rows × classes values), e.g. probabilities.
    case values
    /// No target: a score of the input alone (e.g. the predictive entropy).
    case none
}

/// A catalogue entry: everything the Python layer, the C ABI and the tests need to know about
/// a loss without repeating it.
public struct LossSpec: Sendable {
    public let name: String
    /// The task the loss serves, which sorts it in the docs and the Python package.
    public let family: Family
    public let kind: LossKind
    public let parameters: [ParameterSpec]
    /// The per-column parameter's name (broadcast along the last axis), if the loss has one.
    public let columnParameter: String?
    /// The formula in plain text, as the README table and the docstrings state it.
    public let formula: String
    /// The derivatives in plain text, including conventions at kinks.
    public let derivatives: String
    /// The values the input may hold (checked element by element before evaluating).
    public let inputDomain: Domain
    /// The values the target may hold, e.g. ``Domain/signs`` for hinge losses.
    public let targetDomain: Domain
    /// For row-wise losses: what one row's target is.
    public let rowTarget: RowTarget?
    /// For row-wise and overlap losses: the name of the per-class weight argument (`weight`,
    /// `alpha`, `class_weights`), if the loss takes one.
    public let classWeight: String?

    public init(name: String, family: Family, kind: LossKind = .elementwise, parameters: [ParameterSpec] = [],
                columnParameter: String? = nil, inputDomain: Domain = .real,
                targetDomain: Domain = .real, rowTarget: RowTarget? = nil, classWeight: String? = nil,
                formula: String, derivatives: String) {
        self.name = name
        self.family = family
        self.kind = kind
        self.parameters = parameters
        self.columnParameter = columnParameter
        self.inputDomain = inputDomain
        self.targetDomain = targetDomain
        self.rowTarget = rowTarget
        self.classWeight = classWeight
        self.formula = formula
        self.derivatives = derivatives
    }

    /// Checks `values` against the parameter list: count, finiteness and range.
    public func validate(_ values: [Double]) throws(LossKitError) {
        guard values.count == parameters.count else {
            throw LossKitError(.invalidArgument,
                "\(name) takes \(parameters.count) parameter(s), got \(values.count)")
        }
        for (p, v) in zip(parameters, values) where !p.accepts(v) {
            let admitsInfinity = (p.lower == -.infinity && p.lowerInclusive) || (p.upper == .infinity && p.upperInclusive)
            throw LossKitError(.invalidArgument,
                "\(name): \(p.name) must be a \(admitsInfinity ? "" : "finite ")number in \(p.rangeDescription), got \(format(v))")
        }
    }
}

/// Shortest round-trip text of a Double (no Foundation): "1", "0.25", "nan", "inf".
func format(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    if v == v.rounded(), Swift.abs(v) < 1e15 { return String(Int64(v)) }
    return v.description
}
