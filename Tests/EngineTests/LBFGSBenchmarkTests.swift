import Dispatch
import Foundation
import Testing

@testable import Engine

/// The time of one L-BFGS step with a full history at 512x288, and the bytes a pair holds.
///
/// Prints rather than asserts (the machine is shared); runs only with LBFGS_BENCHMARK=1:
/// `LBFGS_BENCHMARK=1 swift test -c release --disable-xctest --filter LBFGSBenchmark`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LBFGS_BENCHMARK"] == "1"))
struct LBFGSBenchmarkTests {
  static let count = 3 * 512 * 288

  /// Best seconds of one `step` after 110 steps on a diagonal quadratic (curvatures 1-100) have
  /// filled a history of 100 pairs.
  static func stepSeconds<O: Optimizer>(_ optimizer: O, repeats: Int = 10) -> Double {
    var optimizer = optimizer
    var random = SystemRandomNumberGenerator()
    let curvature = (0..<count).map { _ in Float.random(in: 1...100, using: &random) }
    let minimum = (0..<count).map { _ in Float.random(in: -100...100, using: &random) }
    var x = [Float](repeating: 0, count: count)
    func gradient() -> [Float] { (0..<count).map { curvature[$0] * (x[$0] - minimum[$0]) } }
    for _ in 0..<110 { optimizer.step(&x, gradient: gradient()) }
    var best = Double.infinity
    for _ in 0..<repeats {
      let g = gradient()
      let start = DispatchTime.now().uptimeNanoseconds
      optimizer.step(&x, gradient: g)
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
    }
    return best
  }

  @Test func stepWithAFullHistory() {
    let seconds = Self.stepSeconds(LBFGS(historySize: 100))
    let bytes = LBFGS.bytesPerPair(count: Self.count)
    print(
      String(
        format:
          "L-BFGS step, 100 pairs of %d elements: %.1f ms; %.2f MB a pair (%.3f bytes an element)",
        Self.count, seconds * 1e3, Double(bytes) / 1e6, Double(bytes) / Double(2 * Self.count)))
  }
}
