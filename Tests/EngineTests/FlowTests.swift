import Foundation
import Testing

@testable import Engine

@Suite struct FlowTests {
  let flow = OpticalFlow()

  @Test func translationBySubpixelShift() {
    let scene = SyntheticMotion.translation(width: 384, height: 216, dx: 2.5, dy: -1.25)
    let estimate = flow.flow(from: scene.first, to: scene.second)
    let epe = Measure.endPointError(estimate, scene.forward, where: scene.forwardValid, margin: 4)
    print("EPE translation (2.5, -1.25):", epe)
    #expect(epe < 0.1, "EPE \(epe)")
  }

  @Test func largeTranslationNeedsThePyramid() {
    let scene = SyntheticMotion.translation(width: 384, height: 216, dx: -17.3, dy: 9.6)
    let estimate = flow.flow(from: scene.first, to: scene.second)
    let epe = Measure.endPointError(estimate, scene.forward, where: scene.forwardValid, margin: 4)
    print("EPE translation (-17.3, 9.6):", epe)
    #expect(epe < 0.2, "EPE \(epe)")
  }

  @Test func exposureChangeIsNotMotion() {
    var scene = SyntheticMotion.translation(width: 384, height: 216, dx: 2.5, dy: -1.25)
    scene.second.scalars = scene.second.scalars.map { 1.1 * $0 + 0.03 }
    let estimate = flow.flow(from: scene.first, to: scene.second)
    let epe = Measure.endPointError(estimate, scene.forward, where: scene.forwardValid, margin: 4)
    print("EPE translation with gain 1.1 and offset 0.03:", epe)
    #expect(epe < 0.1, "EPE \(epe)")
  }

  @Test func rotationAndZoom() {
    let scene = SyntheticMotion.rotationZoom(width: 384, height: 216, degrees: 3, scale: 1.04)
    let estimate = flow.flow(from: scene.first, to: scene.second)
    let epe = Measure.endPointError(estimate, scene.forward, where: scene.forwardValid, margin: 4)
    print("EPE rotation+zoom:", epe)
    #expect(epe < 0.3, "EPE \(epe)")
  }

  @Test func twoLayersWithOcclusion() {
    let scene = SyntheticMotion.standardCases(width: 384, height: 216)[2].scene
    let estimate = flow.flow(from: scene.first, to: scene.second)
    let valid = Measure.interior(scene.forwardValid, width: 384, height: 216, margin: 4)
    let all = estimate.endPointError(to: scene.forward, where: valid)
    let boundary = estimate.endPointError(
      to: scene.forward, where: Measure.and(valid, scene.nearBoundary))
    let away = estimate.endPointError(
      to: scene.forward, where: Measure.and(valid, Measure.not(scene.nearBoundary)))
    print("EPE two layers: all", all, "near boundary", boundary, "away", away)
    #expect(all < 0.5, "EPE \(all)")
    #expect(boundary < 2.0, "EPE near boundary \(boundary)")
  }
}
