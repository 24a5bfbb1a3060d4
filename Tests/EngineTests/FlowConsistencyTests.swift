import Testing

@testable import Diagnostics
@testable import Engine

@Suite struct FlowConsistencyTests {
  @Test func occludedPixelsGetZeroWeight() {
    let (w, h) = (384, 216)
    let scene = SyntheticMotion.standardCases(width: w, height: h)[2].scene
    let flow = OpticalFlow()
    // Frame i is the second frame: backward flow i -> i-1, forward flow i-1 -> i.
    let backward = flow.flow(from: scene.second, to: scene.first)
    let forward = flow.flow(from: scene.first, to: scene.second)
    let weights = consistencyWeights(flow: backward, reverse: forward)
    let unreliable = weights.map { $0 < 0.5 }
    let occluded = Measure.not(scene.backwardValid)
    let caught = Measure.fraction(of: unreliable, within: occluded)
    let kept = Measure.fraction(of: Measure.not(unreliable), within: scene.backwardValid)
    #expect(caught > 0.9, "only \(caught) of occluded pixels have c < 0.5")
    #expect(kept > 0.9, "only \(kept) of visible pixels have c >= 0.5")
    #expect(weights.allSatisfy { (0...1).contains($0) })
  }

  @Test func groundTruthFlowsGiveExactOcclusions() {
    let scene = SyntheticMotion.standardCases(width: 192, height: 108)[2].scene
    let occluded = occlusionMask(flow: scene.backward, reverse: scene.forward)
    let wrong = zip(occluded, scene.backwardValid).filter { $0 == $1 }.count
    // Only pixels whose backward target falls within a pixel of the disk edge can disagree.
    #expect(Float(wrong) / Float(occluded.count) < 0.01, "\(wrong) pixels disagree")
  }

  @Test func eachCriterionOnAHandMadeField() {
    let (w, h) = (10, 6)
    func field(_ u: (Int) -> Float) -> FlowField {
      FlowField(
        width: w, height: h, u: (0..<(w * h)).map { u($0 % w) },
        v: [Float](repeating: 0, count: w * h))
    }
    // Uniform (1, 0) with a consistent reverse: only the last column's source is outside.
    let outside = inconsistencies(
      flow: field { _ in 1 }, reverse: field { _ in -1 }, motionBoundaries: true)
    #expect(outside == (0..<(w * h)).map { $0 % w == w - 1 })
    // Reverse flow pointing the same way: |w + w^|^2 = 4 >= 0.01 * 2 + 0.5 everywhere.
    let occluded = occlusionMask(flow: field { _ in 1 }, reverse: field { _ in 1 })
    #expect(occluded.allSatisfy { $0 })
    // A 0.5 px step between columns 4 and 5: central differences of 0.25 flag exactly those two
    // columns (0.0625 > 0.01 * 0.25 + 0.002); the forward-backward test passes everywhere.
    let step = field { $0 < 5 ? 0 : 0.5 }
    let boundary = inconsistencies(
      flow: step, reverse: field { $0 < 5 ? 0 : -0.5 }, motionBoundaries: true)
    #expect(boundary == (0..<(w * h)).map { [4, 5, w - 1].contains($0 % w) })
    // Smoothing: weights stay in [0, 1], are 1 far from flagged pixels and small on them.
    let weights = consistencyWeights(flow: step, reverse: field { $0 < 5 ? 0 : -0.5 })
    #expect(weights.allSatisfy { (0...1).contains($0) })
    #expect(weights[2 * w + 1] > 0.999 && weights[2 * w + 4] < 0.5)
  }

  @Test func closestFirstKeepsTheNearestReliableFrame() {
    let combined = closestFirst([[1, 0, 0.5, 0], [1, 1, 1, 0], [1, 1, 1, 1]])
    #expect(combined[0] == [1, 0, 0.5, 0])
    #expect(combined[1] == [0, 1, 0.5, 0])
    #expect(combined[2] == [0, 0, 0, 1])
  }
}
