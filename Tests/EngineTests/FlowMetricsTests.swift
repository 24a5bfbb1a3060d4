import Testing

@testable import Engine

@Suite struct FlowMetricsTests {
  // previous (3, 16, 20) random; current = previous moved by (3, 2), so the flow from current
  // back to previous is (-3, -2) everywhere and warping is exact where the source is inside.
  let w = 20
  let h = 16
  var previous: Tensor { Tensor(randomUniform: [3, 16, 20], in: 0...1, seed: 11) }
  var flow: FlowField {
    FlowField(
      width: 20, height: 16, u: [Float](repeating: -3, count: 320),
      v: [Float](repeating: -2, count: 320))
  }

  @Test func perfectlyWarpedFramesHaveZeroError() {
    let (current, outside) = warp(previous, by: flow)
    let weights = outside.map { $0 ? Float(0) : 1 }
    #expect(ruderError(current: current, previous: previous, flow: flow, weights: weights) < 1e-12)
    #expect(warpingError(current: current, next: previous, flow: flow, occluded: outside) < 1e-12)
  }

  @Test func constantOffsetGivesTheHandComputedValue() {
    var current = warp(previous, by: flow).image
    current.scalars = current.scalars.map { $0 + 0.1 }
    // Weight 1 on the left half of each row, 0 on the right: (1/(3HW)) * 3 * (HW/2) * 0.01.
    let weights = (0..<(w * h)).map { $0 % w < w / 2 ? Float(1) : 0 }
    let ruder = ruderError(current: current, previous: previous, flow: flow, weights: weights)
    #expect(abs(ruder - 0.005) < 1e-6, "E_Ruder \(ruder)")
    // Every pixel differs by 0.1 in each of 3 channels: |d|^2 = 0.03 per visible pixel.
    let occluded = (0..<(w * h)).map { $0 % w >= w / 2 }
    let warping = warpingError(current: current, next: previous, flow: flow, occluded: occluded)
    #expect(abs(warping - 0.03) < 1e-6, "E_warp \(warping)")
  }
}
