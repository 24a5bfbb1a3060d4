/// Central finite differences for checking hand-written backward passes against an independent
/// reference: a test writes the loss again (naively, accumulated in Double) and this
/// differentiates it numerically.
///
/// The numeric derivative at each checked coordinate is
/// `(loss(x + eps e_i) - loss(x - eps e_i)) / (2 eps)`, with the step actually taken after
/// rounding. The truncation error is O(eps^2) times the third derivative. The input is Float
/// (perturbing the engine itself, eps about 1e-2) or Double (perturbing a Double reference:
/// eps = 1e-4 on values of order 1 leaves about 1e-8 of truncation and 1e-12 of rounding, and a
/// tiny step avoids crossing ReLU and max-pooling kinks).
struct GradientCheck {
  /// The largest |analytic - numeric| over the checked coordinates.
  var maxAbsDifference: Double
  /// The largest |analytic - numeric| / max(|analytic|, |numeric|, `floor`).
  var maxRelativeDifference: Double
  /// The largest |numeric|, to judge the other two.
  var maxMagnitude: Double
  /// How many coordinates were compared.
  var checked: Int

  /// `maxAbsDifference / maxMagnitude`: the error relative to the gradient's size, for losses
  /// whose gradient is small in places.
  var relativeToLargest: Double { maxAbsDifference / max(maxMagnitude, .leastNormalMagnitude) }

  /// Compares `analytic` (the claimed gradient at `input`) with central differences of `loss`.
  ///
  /// Checks every coordinate, or `samples` coordinates spread evenly over the input.
  init<Scalar: BinaryFloatingPoint>(
    input: [Scalar], analytic: [Float], epsilon: Scalar = 1e-2, samples: Int? = nil,
    floor: Double = 1e-3, loss: ([Scalar]) -> Double
  ) {
    precondition(input.count == analytic.count, "gradient and input differ in size")
    let indices: [Int]
    if let samples, samples < input.count {
      indices = (0..<samples).map { $0 * input.count / samples }
    } else {
      indices = Array(input.indices)
    }
    var (maxAbs, maxRel, maxMagnitude) = (0.0, 0.0, 0.0)
    var x = input
    for i in indices {
      let original = x[i]
      x[i] = original + epsilon
      let plus = loss(x)
      x[i] = original - epsilon
      let minus = loss(x)
      x[i] = original
      let step = Double(original + epsilon) - Double(original - epsilon)  // the step actually taken
      let numeric = (plus - minus) / step
      let difference = abs(Double(analytic[i]) - numeric)
      maxAbs = max(maxAbs, difference)
      maxRel = max(maxRel, difference / max(abs(Double(analytic[i])), abs(numeric), floor))
      maxMagnitude = max(maxMagnitude, abs(numeric))
    }
    maxAbsDifference = maxAbs
    maxRelativeDifference = maxRel
    self.maxMagnitude = maxMagnitude
    checked = indices.count
  }
}

extension GradientCheck: CustomStringConvertible {
  var description: String {
    "max abs diff \(maxAbsDifference), max rel diff \(maxRelativeDifference), "
      + "max |grad| \(maxMagnitude), \(checked) coordinates"
  }
}

/// The dot product in Double, for losses of the form sum(r * f(x)).
func dot(_ a: [Float], _ b: [Float]) -> Double {
  precondition(a.count == b.count, "dot of different sizes")
  var sum = 0.0
  for i in a.indices { sum += Double(a[i]) * Double(b[i]) }
  return sum
}

/// The largest absolute elementwise difference.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
  precondition(a.count == b.count, "compared arrays differ in size")
  return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// max_i |value_i - reference_i| / max_i |reference_i|: the error relative to the reference's size.
func relativeError(_ value: [Float], _ reference: [Double]) -> Double {
  precondition(value.count == reference.count, "lengths differ")
  let scale = reference.reduce(0) { max($0, abs($1)) }
  let error = zip(value, reference).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
  return error / max(scale, .leastNormalMagnitude)
}

/// |value - reference| / max(|reference|, tiny): the relative difference of two scalars.
func relativeError(_ value: Float, _ reference: Double) -> Double {
  abs(Double(value) - reference) / max(abs(reference), .leastNormalMagnitude)
}
