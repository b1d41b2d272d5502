/// The values an input or target array may hold for a loss. The C layer checks every element
/// against it before the loss runs, so a label in the wrong convention is an error that says
/// how to convert, not a silently wrong loss. NaN passes every domain (it propagates instead).
public enum Domain: String, Sendable {
    /// Any real number.
    case real
    /// y >= 0, e.g. counts for the Poisson loss.
    case nonNegative = "non_negative"
    /// y > 0, e.g. the gamma deviance.
    case positive
    /// 0 <= y <= 1: probabilities and soft labels.
    case unitInterval = "unit_interval"
    /// y ∈ {0, 1}: hard binary labels.
    case zeroOne = "zero_one"
    /// y ∈ {-1, +1}: margin-loss labels.
    case signs
    /// y > -1, for log(1 + y).
    case aboveMinusOne = "above_minus_one"

    /// Whether `v` belongs to the domain (NaN always does).
    @inlinable
    public func contains<T: LossScalar>(_ v: T) -> Bool {
        if v.isNaN { return true }
        switch self {
        case .real: return true
        case .nonNegative: return v >= 0
        case .positive: return v > 0
        case .unitInterval: return v >= 0 && v <= 1
        case .zeroOne: return v == 0 || v == 1
        case .signs: return v == -1 || v == 1
        case .aboveMinusOne: return v > -1
        }
    }

    /// What the domain requires, and how to get there, for error messages.
    public var requirement: String {
        switch self {
        case .real: return "a real number"
        case .nonNegative: return ">= 0"
        case .positive: return "> 0"
        case .unitInterval: return "in [0, 1]"
        case .zeroOne: return "0 or 1 (for labels in {-1, +1} use (y + 1) / 2)"
        case .signs: return "-1 or +1 (for labels in {0, 1} use 2 * y - 1)"
        case .aboveMinusOne: return "> -1"
        }
    }

    /// Throws naming `name` and the first element outside the domain.
    public func check<T: LossScalar>(_ p: UnsafePointer<T>, _ n: Int, _ name: String, loss: String) throws(LossKitError) {
        if self == .real { return }
        for i in 0..<n where !contains(p[i]) {
            throw LossKitError(.invalidArgument,
                "\(loss): \(name)[\(i)] = \(format(Double(p[i]))) but every \(name) must be \(requirement)")
        }
    }
}
