// Central finite differences for checking analytic gradients against an independent reference:
// tests write the loss formula again, naively and in Double, and differentiate that numerically.

/// The central-difference gradient (f(x + h e_i) - f(x - h e_i)) / 2h of `f` at `x`.
///
/// The truncation error is O(h^2) times the third derivative; in Double, h = 1e-4 on values of
/// order 1 leaves about 1e-8 of truncation and 1e-12 of rounding error.
func finiteDifferenceGradient(
  of f: ([Double]) -> Double, at x: [Double], step h: Double = 1e-4
) -> [Double] {
  var point = x
  return x.indices.map { i in
    point[i] = x[i] + h
    let above = f(point)
    point[i] = x[i] - h
    let below = f(point)
    point[i] = x[i]
    return (above - below) / (2 * h)
  }
}

/// max_i |analytic_i - reference_i| / max_i |reference_i|: the error relative to the gradient's size.
func finiteDifferenceRelativeError(_ analytic: [Float], _ reference: [Double]) -> Double {
  precondition(analytic.count == reference.count, "lengths differ")
  let scale = reference.reduce(0) { max($0, abs($1)) }
  let error = zip(analytic, reference).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
  return error / max(scale, .leastNormalMagnitude)
}

/// |a - b| / max(|b|, tiny): the relative difference of two scalars.
func finiteDifferenceRelativeError(_ a: Float, _ b: Double) -> Double {
  abs(Double(a) - b) / max(abs(b), .leastNormalMagnitude)
}
