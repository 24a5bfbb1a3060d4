import Foundation
import Testing

@testable import Engine

/// Sequences with known motion and known "stylisation" noise, and what E_warp and E_Ruder
/// must be on them.
///
/// The scene is a smooth sum of sinusoids on [0.3, 0.7] that moves by (dx, dy) whole pixels per
/// frame, so the true forward flow is (dx, dy) and the backward flow (-dx, -dy) everywhere and
/// backward warping with them is exact wherever the source lies inside the frame.
@Suite struct TemporalConsistencyTests {
  static let (width, height, frameCount) = (64, 48, 5)
  static let (dx, dy) = (2, 1)
  /// Half-width a of the uniform noise on [-a, a]: variance sigma^2 = a^2 / 3.
  static let amplitude: Float = 0.1

  /// The scene at continuous position (x, y), RGB on [0.3, 0.7].
  static func scene(_ x: Float, _ y: Float) -> (Float, Float, Float) {
    let r = 0.5 + 0.1 * sin(x / 5 + y / 13) + 0.1 * cos(y / 7 - x / 17)
    let g = 0.5 + 0.2 * sin((x + 2 * y) / 9)
    let b = 0.5 + 0.1 * cos((x - y) / 6) + 0.1 * sin(y / 4 + 1)
    return (r, g, b)
  }

  /// Frame t (0-based) of the scene moving by t (dx, dy) pixels, (3, H, W); `noise(c, sx, sy)`
  /// is added at the scene position (sx, sy) = (x - t dx, y - t dy) of each value.
  static func frame(_ t: Int, noise: (Int, Int, Int) -> Float = { _, _, _ in 0 }) -> Tensor {
    let plane = width * height
    var scalars = [Float](repeating: 0, count: 3 * plane)
    for y in 0..<height {
      for x in 0..<width {
        let (sx, sy) = (x - t * dx, y - t * dy)
        let (r, g, b) = scene(Float(sx), Float(sy))
        for (c, value) in [r, g, b].enumerated() {
          scalars[c * plane + y * width + x] = value + noise(c, sx, sy)
        }
      }
    }
    return Tensor(shape: [3, height, width], scalars: scalars)
  }

  /// A deterministic uniform value on [-amplitude, amplitude] for each (key, c, x, y).
  static func uniformNoise(_ key: Int, _ c: Int, _ x: Int, _ y: Int) -> Float {
    var generator = SeededGenerator(
      seed: UInt64(bitPattern: Int64(((key * 3 + c) * 1009 + x + 500) * 1013 + y + 500)))
    for _ in 0..<3 { _ = generator.next() }
    return Float.random(in: -amplitude...amplitude, using: &generator)
  }

  static var originals: [Tensor] { (0..<frameCount).map { frame($0) } }
  /// Stylised = original + noise drawn anew for every frame (flicker).
  static var flickering: [Tensor] {
    (0..<frameCount).map { t in frame(t) { uniformNoise(t + 1, $0, $1, $2) } }
  }
  /// Stylised = original + one noise pattern attached to the scene (stable texture).
  static var stable: [Tensor] {
    (0..<frameCount).map { t in frame(t) { uniformNoise(0, $0, $1, $2) } }
  }

  static func constantFlow(_ u: Float, _ v: Float) -> FlowField {
    FlowField(
      width: width, height: height, u: [Float](repeating: u, count: width * height),
      v: [Float](repeating: v, count: width * height))
  }

  /// The measurement with the true flows instead of the estimator.
  static func measuredWithTrueFlow(_ stylized: [Tensor]) -> TemporalConsistency.Report {
    var measurement = TemporalConsistency()
    for (t, frame) in stylized.enumerated() {
      let first = t == 0
      measurement.add(
        stylized: frame, forward: first ? nil : constantFlow(Float(dx), Float(dy)),
        backward: first ? nil : constantFlow(-Float(dx), -Float(dy)))
    }
    return measurement.report
  }

  // Independent noise n_t, n_{t+1} with variance sigma^2 = a^2/3 per value: E|n_t - n_t+1|^2
  // = 2 sigma^2 per channel. E_warp sums the 3 channels per visible pixel: 6 sigma^2 = 2 a^2.
  // E_Ruder averages over all 3HW values with weight c: 2 sigma^2 mean(c), and with the exact
  // flow c is 1 on the (W - dx) x (H - dy) pixels whose source is inside, 0 elsewhere (the
  // blur moves weight across that edge but keeps its sum, the frame edges being clamped).
  static let expectedWarping = 2 * amplitude * amplitude
  static let reliableFraction = Float((width - dx) * (height - dy)) / Float(width * height)
  static let expectedRuder = 2 * amplitude * amplitude / 3 * reliableFraction

  @Test func aStaticSceneStylisedIdenticallyHasZeroError() {
    let still = Self.frame(0)
    let stylized = Self.frame(0) { Self.uniformNoise(0, $0, $1, $2) }
    let report = TemporalConsistency.measure(
      originals: Array(repeating: still, count: 4), stylized: Array(repeating: stylized, count: 4))
    let largest = (report.warpingErrors + report.ruderErrors).compactMap { $0 }.max() ?? .nan
    #expect(largest < 1e-9, "largest error \(largest)")
    #expect(report.frameCount == 4 && report.width == Self.width && report.height == Self.height)
  }

  @Test func independentNoiseGivesTheAnalyticErrorsWithTheTrueFlow() throws {
    let report = Self.measuredWithTrueFlow(Self.flickering)
    let warping = try #require(report.meanWarpingError)
    let ruder = try #require(report.meanRuderError)
    #expect(
      abs(warping / Self.expectedWarping - 1) < 0.03, "E_warp \(warping) vs \(Self.expectedWarping)"
    )
    #expect(abs(ruder / Self.expectedRuder - 1) < 0.03, "E_Ruder \(ruder) vs \(Self.expectedRuder)")
  }

  @Test func independentNoiseGivesTheAnalyticErrorsWithTheEstimatedFlow() throws {
    let report = TemporalConsistency.measure(originals: Self.originals, stylized: Self.flickering)
    let warping = try #require(report.meanWarpingError)
    let ruder = try #require(report.meanRuderError)
    // The estimate is a little off the whole-pixel shift; bilinear warping then averages
    // neighbouring noise values and lowers the variance slightly.
    #expect(
      abs(warping / Self.expectedWarping - 1) < 0.1, "E_warp \(warping) vs \(Self.expectedWarping)")
    #expect(abs(ruder / Self.expectedRuder - 1) < 0.1, "E_Ruder \(ruder) vs \(Self.expectedRuder)")
    let truth = Self.measuredWithTrueFlow(Self.flickering)
    let trueWarping = try #require(truth.meanWarpingError)
    let trueRuder = try #require(truth.meanRuderError)
    #expect(
      abs(warping / trueWarping - 1) < 0.1, "E_warp estimated \(warping), true flow \(trueWarping)")
    #expect(abs(ruder / trueRuder - 1) < 0.1, "E_Ruder estimated \(ruder), true flow \(trueRuder)")
  }

  @Test func flickerScoresFarWorseThanNoiseThatMovesWithTheScene() throws {
    let flicker = TemporalConsistency.measure(originals: Self.originals, stylized: Self.flickering)
    let stable = TemporalConsistency.measure(originals: Self.originals, stylized: Self.stable)
    let (flickerWarping, stableWarping) = (
      try #require(flicker.meanWarpingError), try #require(stable.meanWarpingError)
    )
    let (flickerRuder, stableRuder) = (
      try #require(flicker.meanRuderError), try #require(stable.meanRuderError)
    )
    #expect(
      stableWarping * 100 < flickerWarping,
      "E_warp stable \(stableWarping), flicker \(flickerWarping)")
    #expect(
      stableRuder * 100 < flickerRuder, "E_Ruder stable \(stableRuder), flicker \(flickerRuder)")
    // With the exact flow, E_warp is exactly 0; E_Ruder keeps a trace because the blurred
    // weights reach a pixel into the strip whose source is outside the frame.
    let exact = Self.measuredWithTrueFlow(Self.stable)
    #expect((exact.meanWarpingError ?? .nan) < 1e-9, "E_warp \(exact.meanWarpingError ?? .nan)")
    #expect((exact.meanRuderError ?? .nan) < 1e-4, "E_Ruder \(exact.meanRuderError ?? .nan)")
  }

  @Test func theOriginalsAreMeasuredWithTheSameFlowsAsTheFloor() throws {
    let report = TemporalConsistency.measure(originals: Self.originals, stylized: Self.originals)
    let floor = try #require(report.originalMeanWarpingError)
    #expect(
      report.meanWarpingError == floor && report.meanRuderError == report.originalMeanRuderError)
    // A smooth scene and a good flow leave little: well under 1 % of the flicker's 0.02.
    #expect(floor < 1e-4, "E_warp of the originals \(floor)")
    #expect(Self.measuredWithTrueFlow(Self.flickering).originalMeanWarpingError == nil)
  }

  @Test func theReportIndexesErrorsByFrame() {
    let report = Self.measuredWithTrueFlow(Array(Self.flickering.prefix(3)))
    #expect(report.warpingErrors.count == 3 && report.ruderErrors.count == 3)
    #expect(report.warpingErrors[2] == nil && report.ruderErrors[0] == nil)
    #expect(report.warpingErrors[0] != nil && report.ruderErrors[2] != nil)
    #expect(TemporalConsistency().report.frameCount == 0)
    #expect(TemporalConsistency().report.meanWarpingError == nil)
  }

  @Test func unknownFlowValuesCountAsOccluded() throws {
    // Frame 2 differs from frame 1 by 0.1 in every value; with the flow unknown on the left half
    // only the right half counts: E_warp = 3 * 0.01, E_Ruder = 0.01 * (fraction with c > 0).
    let first = Self.frame(0)
    var second = first
    second.scalars = second.scalars.map { $0 + 0.1 }
    var zero = Self.constantFlow(0, 0)
    for y in 0..<Self.height {
      for x in 0..<(Self.width / 2) { zero.u[y * Self.width + x] = 1e10 }
    }
    var measurement = TemporalConsistency()
    measurement.add(stylized: first, forward: nil, backward: nil)
    let pair = measurement.add(stylized: second, forward: zero, backward: zero)
    let errors = try #require(pair)
    #expect(abs(errors.warping - 0.03) < 1e-5, "E_warp \(errors.warping)")
    #expect(abs(errors.ruder - 0.005) < 1e-5, "E_Ruder \(errors.ruder)")
  }

  @Test func resizingAFlowScalesItsVectors() {
    var flow = FlowField(
      width: 40, height: 30, u: [Float](repeating: 2, count: 1200),
      v: [Float](repeating: -1, count: 1200))
    flow.u[0] = 1e10
    let larger = flow.resized(width: 80, height: 45)
    #expect(larger.width == 80 && larger.height == 45)
    #expect(abs(larger.u[80 * 20 + 40] - 4) < 1e-5 && abs(larger.v[80 * 20 + 40] + 1.5) < 1e-5)
    #expect(larger.u[0] > 1e9, "the unknown corner stays unknown")
    #expect(flow.resized(width: 40, height: 30) == flow)
  }
}
