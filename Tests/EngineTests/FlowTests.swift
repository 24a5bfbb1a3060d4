import Testing

@testable import Diagnostics
@testable import Engine

@Suite struct FlowTests {
  /// Single-layer motions with exact ground truth, at a processing resolution of 384x216.
  enum GlobalMotion: String, CaseIterable, CustomTestStringConvertible {
    case subpixelShift, largeShift, exposureChange, rotationAndZoom

    var testDescription: String { rawValue }

    var scene: SyntheticMotion.Scene {
      switch self {
      case .subpixelShift:
        return SyntheticMotion.translation(width: 384, height: 216, dx: 2.5, dy: -1.25)
      case .largeShift:
        // 20 px: several times what one linearisation can reach, so the pyramid must work.
        return SyntheticMotion.translation(width: 384, height: 216, dx: -17.3, dy: 9.6)
      case .exposureChange:
        var scene = SyntheticMotion.translation(width: 384, height: 216, dx: 2.5, dy: -1.25)
        scene.second.scalars = scene.second.scalars.map { 1.1 * $0 + 0.03 }
        return scene
      case .rotationAndZoom:
        return SyntheticMotion.rotationZoom(width: 384, height: 216, degrees: 3, scale: 1.04)
      }
    }

    /// The largest mean end-point error accepted, in pixels (measured: about a fifth of it).
    var limit: Float { self == .rotationAndZoom ? 0.15 : 0.05 }
  }

  @Test(arguments: GlobalMotion.allCases) func globalMotionIsRecovered(motion: GlobalMotion) {
    let scene = motion.scene
    let estimate = OpticalFlow().flow(from: scene.first, to: scene.second)
    let epe = Measure.endPointError(estimate, scene.forward, where: scene.forwardValid, margin: 4)
    #expect(epe < motion.limit, "mean end-point error \(epe) px")
  }

  @Test func twoLayersWithOcclusion() {
    let scene = SyntheticMotion.standardCases(width: 384, height: 216)[2].scene
    let estimate = OpticalFlow().flow(from: scene.first, to: scene.second)
    let valid = Measure.interior(scene.forwardValid, width: 384, height: 216, margin: 4)
    let all = estimate.endPointError(to: scene.forward, where: valid)
    let boundary = estimate.endPointError(
      to: scene.forward, where: Measure.and(valid, scene.nearBoundary))
    let away = estimate.endPointError(
      to: scene.forward, where: Measure.and(valid, Measure.not(scene.nearBoundary)))
    // Relative motion is 9.9 px; within 3 px of the edge the error is mostly a misplaced edge.
    #expect(all < 0.15, "mean end-point error \(all) px")
    #expect(away < 0.05, "mean end-point error away from the edge \(away) px")
    #expect(boundary < 1.5, "mean end-point error within 3 px of the edge \(boundary) px")
  }

  @Test func identicalFramesGiveZeroFlowAtAnySize() {
    for (width, height) in [(1, 1), (7, 5), (40, 9), (96, 64)] {
      let frame = Tensor(randomUniform: [1, height, width], in: 0...1, seed: 9)
      let field = OpticalFlow().flow(from: frame, to: frame)
      #expect(field.width == width && field.height == height)
      let largest = zip(field.u, field.v).map { max(abs($0), abs($1)) }.max() ?? 0
      #expect(largest < 1e-3, "largest displacement \(largest) px at \(width)x\(height)")
    }
  }
}
