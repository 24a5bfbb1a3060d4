import Testing

@testable import Diagnostics
@testable import Engine

@Suite struct FlowWarpTests {
  @Test func integerShiftIsReproducedExactly() {
    // second(x, y) = first(x - 2, y - 1): the scene moves by (2, 1).
    let scene = SyntheticMotion.translation(width: 64, height: 48, dx: 2, dy: 1)
    let (warped, outside) = warp(scene.second, by: scene.forward)
    let interior = Measure.interior(Measure.not(outside), width: 64, height: 48, margin: 0)
    var worst: Float = 0
    for c in 0..<3 {
      for i in 0..<(64 * 48) where interior[i] {
        worst = max(
          worst, abs(warped.scalars[c * 64 * 48 + i] - scene.first.scalars[c * 64 * 48 + i]))
      }
    }
    #expect(worst < 1e-5, "max difference \(worst)")
    // Sources beyond the right column or the bottom row are flagged, nothing else.
    #expect(outside[0 * 64 + 62] && outside[47 * 64 + 0] && !outside[46 * 64 + 61])
  }

  @Test(arguments: [false, true]) func warpingWithTheTrueFlowReproducesTheOtherFrame(rotate: Bool) {
    let scene =
      rotate
      ? SyntheticMotion.rotationZoom(width: 192, height: 108, degrees: 3, scale: 1.04)
      : SyntheticMotion.translation(width: 192, height: 108, dx: 2.5, dy: -1.25)
    let n = 192 * 108
    for (image, flow, target, valid) in [
      (scene.second, scene.forward, scene.first, scene.forwardValid),
      (scene.first, scene.backward, scene.second, scene.backwardValid),
    ] {
      let (warped, outside) = warp(image, by: flow)
      #expect(outside == Measure.not(valid))
      let interior = Measure.interior(valid, width: 192, height: 108, margin: 2)
      var sum: Float = 0
      var count = 0
      for c in 0..<3 {
        for i in 0..<n where interior[i] {
          sum += abs(warped.scalars[c * n + i] - target.scalars[c * n + i])
          count += 1
        }
      }
      // Bilinear interpolation of a texture with 6 px wavelengths: small, not zero.
      #expect(sum / Float(count) < 0.01, "mean abs difference \(sum / Float(count))")
    }
  }
}
