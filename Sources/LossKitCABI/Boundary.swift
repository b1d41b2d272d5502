import CLossKitRuntime
import LossKit

/// Runs the body of an exported function: a thrown ``LossKitError`` becomes its status code and
/// this thread's last error. Nothing may trap past this point, so every check happens in the
/// body before memory is touched.
@inline(__always)
func guarded(_ body: () throws(LossKitError) -> Void) -> Int32 {
    do {
        try body()
        return LossKitStatus.ok.rawValue
    } catch {
        lk_runtime_set_error(error.message)
        return error.status.rawValue
    }
}

/// Stores a computed loss where the caller asked for it (`out` may be NULL). A function call,
/// not `out?.pointee = evaluate(...)`: optional chaining skips its right-hand side when `out`
/// is nil, which would skip the whole computation and leave every other output unwritten.
@inline(__always)
func deliver(_ loss: Double, to out: UnsafeMutablePointer<Double>?) { out?.pointee = loss }

/// A C `size_t` length as an `Int`, refusing values no array can have.
func length(_ n: UInt, _ name: String, elementSize: Int = 8) throws(LossKitError) -> Int {
    guard n <= UInt(Int.max / elementSize) else {
        throw LossKitError(.shapeMismatch, "\(name) = \(n) is larger than any array can be")
    }
    return Int(n)
}

/// A required pointer, or the error that names it. An empty array may pass NULL.
func required<P>(_ p: P?, _ name: String, count: Int) throws(LossKitError) -> P? {
    if p == nil && count > 0 { throw LossKitError(.nullPointer, "\(name) is NULL") }
    return p
}

func reduction(_ raw: Int32) throws(LossKitError) -> Reduction {
    guard let r = Reduction(rawValue: raw) else {
        throw LossKitError(.invalidArgument, "reduction must be LK_REDUCTION_NONE, _MEAN or _SUM (0, 1, 2), got \(raw)")
    }
    return r
}

func weighting(_ raw: Int32) throws(LossKitError) -> Weighting {
    guard let w = Weighting(rawValue: raw) else {
        throw LossKitError(.invalidArgument, "weighting must be LK_WEIGHTING_NORMALIZED or _RESCALE (0, 1), got \(raw)")
    }
    return w
}

/// The Swift type named by an `lk_dtype`.
func scalarType(_ dtype: Int32) throws(LossKitError) -> any LossScalar.Type {
    switch dtype {
    case 0: return Float.self
    case 1: return Double.self
    default: throw LossKitError(.unsupportedDType, "dtype must be LK_FLOAT32 (0) or LK_FLOAT64 (1), got \(dtype)")
    }
}

/// Calls `body` with the Swift type named by an `lk_dtype`.
func withScalarType(_ dtype: Int32, _ body: (any LossScalar.Type) throws(LossKitError) -> Void) throws(LossKitError) {
    try body(scalarType(dtype))
}

/// `p` as a typed pointer, or nil.
func typed<T>(_ p: UnsafeRawPointer?, _: T.Type) -> UnsafePointer<T>? { p?.assumingMemoryBound(to: T.self) }
func typed<T>(_ p: UnsafeMutableRawPointer?, _: T.Type) -> UnsafeMutablePointer<T>? { p?.assumingMemoryBound(to: T.self) }
