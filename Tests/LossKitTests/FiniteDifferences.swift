import LossKit

/// Numerical derivatives and tolerances shared by the tests.
///
/// Every derivative a kernel returns is compared with a central difference of the function it
/// claims to differentiate, evaluated in `Double`: the gradient against a difference of the
/// loss, the Hessian diagonal against a difference of the gradient.

/// f'(x) ≈ (f(x + h) - f(x - h)) / 2h with h = 1e-5·max(1, |x|), rounded so that x ± h are the
/// points actually evaluated. For smooth f of order 1 in `Double` the truncation error h²·f'''/6
/// is about 1e-10 and the rounding error ε·|f|/h about 1e-11, so ``Tolerance/finiteDifference``
/// holds with a wide margin while a wrong factor, sign or branch does not.
func centralDifference(at x: Double, _ f: (Double) throws -> Double) rethrows -> Double {
    let step = 1e-5 * Swift.max(1, Swift.abs(x))
    let h = (x + step) - x
    return try (f(x + h) - f(x - h)) / (2 * h)
}

/// An accepted error |actual - expected| ≤ relative·|expected| + absolute.
struct Tolerance {
    var relative: Double
    var absolute: Double

    func accepts(_ actual: Double, _ expected: Double) -> Bool {
        Swift.abs(actual - expected) <= relative * Swift.abs(expected) + absolute
    }

    /// Results of `T` against `Double` finite differences or a `Double` reference: `Float`
    /// kernels are limited by their own rounding (ε ≈ 6e-8, a few operations deep), `Double`
    /// kernels by the finite difference (see ``centralDifference(at:_:)``).
    static func finiteDifference<T: LossScalar>(_: T.Type) -> Tolerance {
        T.self == Float.self ? Tolerance(relative: 2e-5, absolute: 2e-6)
                             : Tolerance(relative: 1e-7, absolute: 1e-9)
    }

    /// Sums accumulated in `Double` from values of `T`.
    static func sum<T: LossScalar>(_: T.Type) -> Tolerance {
        T.self == Float.self ? Tolerance(relative: 1e-6, absolute: 1e-6)
                             : Tolerance(relative: 1e-12, absolute: 1e-12)
    }
}
