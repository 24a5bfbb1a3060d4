import Engine
import Foundation

extension Benchmark {
  /// Times one L-BFGS step with a full history of `pairs` pairs of `elements` values (filled by
  /// `pairs + 10` steps on a diagonal quadratic with curvatures 1-100), best of `repeats`, and
  /// reports the memory a pair holds.
  public static func lbfgsStep(elements: Int, pairs: Int = 100, repeats: Int) -> String {
    precondition(elements > 0 && pairs > 0 && repeats > 0, "nothing to time")
    var generator = SeededGenerator(seed: 41)
    let curvature = (0..<elements).map { _ in Float.random(in: 1...100, using: &generator) }
    let minimum = (0..<elements).map { _ in Float.random(in: -100...100, using: &generator) }
    var x = [Float](repeating: 0, count: elements)
    var gradient = x
    func evaluate() {
      for i in 0..<elements { gradient[i] = curvature[i] * (x[i] - minimum[i]) }
    }
    var optimizer = LBFGS(historySize: pairs)
    for _ in 0..<(pairs + 10) {
      evaluate()
      optimizer.step(&x, gradient: gradient)
    }
    var best = Double.infinity
    for _ in 0..<repeats {
      evaluate()
      let start = LayerProfile.now()
      optimizer.step(&x, gradient: gradient)
      best = min(best, Double(LayerProfile.now() - start) * 1e-9)
    }
    let bytes = LBFGS.bytesPerPair(count: elements)
    return String(
      format: "L-BFGS step with %d pairs of %d values: %.1f ms (best of %d); a pair holds %.2f MB "
        + "(%.3f bytes a value)",
      pairs, elements, best * 1e3, repeats, Double(bytes) / 1e6, Double(bytes) / Double(2 * elements))
  }
}
