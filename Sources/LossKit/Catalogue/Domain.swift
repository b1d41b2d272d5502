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

    /// Whether every lane of `v` belongs to the domain (NaN always does).
    @inlinable
    public func contains<V: LossVector>(_ v: V) -> Bool {
        let one = V(repeating: 1)
        let inside: SIMDMask<V.MaskStorage>
        switch self {
        case .real: return true
        case .nonNegative: inside = v .>= V.zero
        case .positive: inside = v .> V.zero
        case .unitInterval: inside = (v .>= V.zero) .& (v .<= one)
        case .zeroOne: inside = (v .== V.zero) .| (v .== one)
        case .signs: inside = (v .== -one) .| (v .== one)
        case .aboveMinusOne: inside = v .> -one
        }
        return all(inside .| (v .!= v))
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

    /// Throws naming `name` and the first element outside the domain. Prespecialised, as
    /// `checkNonNegativeFinite` is, for the generic validators that call it.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func check<T: LossScalar>(_ p: UnsafePointer<T>, _ n: Int, _ name: String, loss: String) throws(LossKitError) {
        if self == .real { return }
        if let i = firstRejected(p, n, by: { contains($0) }) {
            throw LossKitError(.invalidArgument,
                "\(loss): \(name)[\(i)] = \(format(Double(p[i]))) but every \(name) must be \(requirement)")
        }
    }
}
