"""Derives the polynomial coefficients of LossKit's vector math (Sources/LossKit/Math).

Each polynomial is a weighted minimax fit found with the Remez exchange algorithm, computed in
60-digit arithmetic with mpmath, then rounded to the target type (Float or Double). Run:

    python scripts/fit-vector-math.py

It prints, for each fit, the coefficients as Swift literals and the weighted error of the
rounded coefficients on a dense grid, so the numbers in the doc comments can be checked.

The two functions fitted:

- E(r) = (e^r - 1 - r) / r^2 on |r| <= 0.35 (just over ln(2)/2, the reduced range of exp and
  expm1, so that a reduction rounded to the other side of a half-way point stays inside it).
  The fit minimises the absolute error of E; the script then reports the error that matters,
  the relative error of expm1(r) = r + r^2 E(r), i.e. |E - p| r^2 / |expm1(r)| (this weight is
  at most 0.42 on the range and also bounds the relative error of e^r = 1 + r + r^2 E(r)).
- T(z) = (tanh(sqrt z) / sqrt z - 1) / z on 0 <= z <= 0.55^2, so tanh x = x + x^3 T(x^2) for
  |x| <= 0.55 (above it tanh is computed from e^2x). Fitted with absolute error; the relative
  error of tanh x is |T - p| z x / tanh(x).
- R(z) = 2 atanh(sqrt z) / sqrt z - 2 on 0 <= z <= ((sqrt 2 - 1)/(sqrt 2 + 1))^2, the term of
  log((1 + s)/(1 - s)) = 2s + s R(s^2) with s = f/(2 + f), 1 + f in [sqrt(1/2), sqrt 2). R is a
  polynomial in z without constant term; its absolute error is twice the relative error of
  log(1 + f).
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 60


def remez(f, weight, basis, a, b, iterations=40, grid=6000):
    """Minimax fit of f by sum c_j basis_j(x) on [a, b], minimising max |weight·(f - p)|."""
    n = len(basis)
    # Start from Chebyshev extrema mapped to [a, b].
    points = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * i / n) for i in range(n + 1)]
    xs = [a + (b - a) * (1 - mp.cos(mp.pi * i / grid)) / 2 for i in range(grid + 1)]
    for _ in range(iterations):
        # Solve sum c_j basis_j(x_i) + (-1)^i E / weight(x_i) = f(x_i).
        m = mp.matrix(n + 1, n + 1)
        rhs = mp.matrix(n + 1, 1)
        for i, x in enumerate(points):
            for j, phi in enumerate(basis):
                m[i, j] = phi(x)
            m[i, n] = (-1) ** i / weight(x)
            rhs[i] = f(x)
        sol = mp.lu_solve(m, rhs)
        coeffs = [sol[j] for j in range(n)]

        def err(x):
            return weight(x) * (f(x) - sum(c * phi(x) for c, phi in zip(coeffs, basis)))

        es = [err(x) for x in xs]
        # One extremum per run of equal sign, then keep n + 1 alternating ones with the largest.
        runs = []
        start = 0
        for i in range(1, len(xs) + 1):
            if i == len(xs) or mp.sign(es[i]) != mp.sign(es[start]):
                k = max(range(start, i), key=lambda j: abs(es[j]))
                runs.append((xs[k], es[k]))
                start = i
        while len(runs) > n + 1:
            # Drop the smaller end, or merge the smallest interior pair, keeping alternation.
            if abs(runs[0][1]) < abs(runs[-1][1]):
                runs.pop(0)
            else:
                runs.pop()
        points = [x for x, _ in runs]
        worst = max(abs(e) for e in es)
        if worst - abs(sol[n]) < worst * mp.mpf("1e-12"):
            break
    return coeffs, worst


def rounded(coeffs, dtype):
    return [dtype(float(c)) for c in coeffs]


def literal(c, dtype):
    if dtype == np.float32:
        return np.format_float_positional(c, unique=True, trim="-") if abs(c) >= 1e-3 else \
            np.format_float_scientific(c, unique=True, trim="-")
    return repr(float(c))


def report(name, f, basis, a, b, dtype, weight):
    """Fits f with absolute error and reports the error weighted by `weight`."""
    coeffs, worst = remez(f, lambda x: mp.mpf(1), basis, a, b)
    cs = rounded(coeffs, dtype)
    # Error of the rounded coefficients, evaluated in 60 digits on a fine grid.
    xs = [a + (b - a) * mp.mpf(i) / 20000 for i in range(20001)]
    err = max(abs(weight(x) * (f(x) - sum(mp.mpf(float(c)) * phi(x) for c, phi in zip(cs, basis))))
              for x in xs if weight(x) != 0)
    eps = np.finfo(dtype).eps / 2
    print(f"{name} [{dtype.__name__}]: {len(cs)} coefficients, minimax |f - p| {mp.nstr(worst, 4)}; "
          f"relative error of the result with rounded coefficients {mp.nstr(err, 4)} "
          f"= {mp.nstr(err / eps, 3)} half-ulps")
    for c in cs:
        print("   ", literal(c, dtype) + ",")


def E(r):
    if abs(r) < mp.mpf("1e-12"):  # the series, where the quotient would cancel
        return mp.mpf(1) / 2 + r / 6 + r**2 / 24
    return (mp.exp(r) - 1 - r) / r**2


def E_weight(r):
    return r if r == 0 else r**2 / mp.expm1(r)


def R(z):
    if z < mp.mpf("1e-24"):  # the series, where the quotient would cancel
        return 2 * z / 3 + 2 * z**2 / 5
    s = mp.sqrt(z)
    return 2 * mp.atanh(s) / s - 2


def T(z):
    if z < mp.mpf("1e-24"):  # the series, where the quotient would cancel
        return -mp.mpf(1) / 3 + 2 * z / 15
    x = mp.sqrt(z)
    return (mp.tanh(x) / x - 1) / z


def T_weight(z):
    return z if z == 0 else z * mp.sqrt(z) / mp.tanh(mp.sqrt(z))


ZMAX = ((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)) ** 2


def split_ln2(bits, dtype):
    """ln 2 = hi + lo with hi rounded to `bits` significant bits, so that k·hi is exact for
    every exponent k the functions meet (|k| < 2^(p - bits), p the type's precision)."""
    e = mp.floor(mp.log(mp.ln2, 2))
    hi = mp.nint(mp.ln2 * 2 ** (bits - 1 - e)) / 2 ** (bits - 1 - e)
    return dtype(float(hi)), dtype(float(mp.ln2 - hi))


def powers(first, count):
    return [(lambda x, k=k: x**k) for k in range(first, first + count)]


if __name__ == "__main__":
    h = mp.mpf("0.35")
    # R's absolute error is twice the relative error of log(1 + f).
    half = lambda z: mp.mpf(1) / 2
    for dtype, e_terms, r_terms, t_terms in [(np.float32, 6, 3, 5), (np.float64, 11, 7, 11)]:
        report("E(r), exp/expm1", E, powers(0, e_terms), -h, h, dtype, E_weight)
        report("R(z), log/log1p", R, powers(1, r_terms), mp.mpf(0), ZMAX, dtype, half)
        report("T(z), tanh", T, powers(0, t_terms), mp.mpf(0), mp.mpf("0.55") ** 2, dtype, T_weight)
    # Float meets |k| <= 150 (8 bits), Double |k| <= 1130 (11 bits).
    for dtype, bits in [(np.float32, 16), (np.float64, 40)]:
        hi, lo = split_ln2(bits, dtype)
        print(f"ln 2 [{dtype.__name__}] = hi + lo: {literal(hi, dtype)}, {literal(lo, dtype)}; "
              f"log2(e) = {literal(dtype(float(1 / mp.ln2)), dtype)}")
