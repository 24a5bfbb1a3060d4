@testable import Engine

/// Test-side measures over the analytic scenes of `Diagnostics.SyntheticMotion`.
///
/// The scenes (texture, motions, ground truth) live in the library so the `bench` command can
/// report the same numbers; everything here only counts and compares.
enum Measure {
  /// Mean end-point error of `flow` against `truth` where `mask` holds and the pixel is at least
  /// `margin` pixels from the frame edge.
  static func endPointError(
    _ flow: FlowField, _ truth: FlowField, where mask: [Bool], margin: Int = 0
  ) -> Float {
    flow.endPointError(
      to: truth, where: interior(mask, width: flow.width, height: flow.height, margin: margin))
  }

  /// `mask` with a border of `margin` pixels cleared.
  static func interior(_ mask: [Bool], width: Int, height: Int, margin: Int) -> [Bool] {
    var result = mask
    for y in 0..<height {
      for x in 0..<width
      where x < margin || y < margin || x >= width - margin || y >= height - margin {
        result[y * width + x] = false
      }
    }
    return result
  }

  /// Element-wise a && b.
  static func and(_ a: [Bool], _ b: [Bool]) -> [Bool] { zip(a, b).map { $0 && $1 } }

  /// Element-wise !a.
  static func not(_ a: [Bool]) -> [Bool] { a.map { !$0 } }

  /// The fraction of `mask` pixels where `condition` holds.
  static func fraction(of condition: [Bool], within mask: [Bool]) -> Float {
    let total = mask.filter { $0 }.count
    let hits = zip(condition, mask).filter { $0 && $1 }.count
    return total == 0 ? 0 : Float(hits) / Float(total)
  }
}
