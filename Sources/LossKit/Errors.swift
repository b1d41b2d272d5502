/// Why a LossKit call refused its arguments. The raw values are the C ABI's `lk_status` codes,
/// which are stable: a code keeps its number forever and new codes are only appended.
public enum LossKitStatus: Int32, Sendable {
    case ok = 0
    /// A parameter or option value is out of its documented range (`delta <= 0`, NaN, ...).
    case invalidArgument = 1
    /// Lengths or shapes of the arrays do not agree.
    case shapeMismatch = 2
    /// An element type that the call does not support.
    case unsupportedDType = 3
    /// A class index is outside `[0, C)` and is not the ignore index.
    case indexOutOfRange = 4
    /// A required pointer was NULL.
    case nullPointer = 5
    /// No loss with that name or id exists in the catalogue.
    case unknownLoss = 6
    /// A bug in LossKit; please report it.
    case internalError = 7
    /// Scratch memory a driver needs could not be allocated (or its size overflows); nothing
    /// was written to the outputs.
    case outOfMemory = 8
}

/// An error carrying a ``LossKitStatus`` and a message that names the offending argument.
public struct LossKitError: Error, CustomStringConvertible, Sendable {
    public let status: LossKitStatus
    public let message: String

    public init(_ status: LossKitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}
