import ArgumentParser
import Engine
import Foundation
import Testing
import Video

@testable import stylize_video

/// `stylize-video metrics`: the JSON it prints, ground-truth flow files, and the refusals.
@Suite struct MetricsCommandTests {
  static let (width, height, frameCount) = (64, 48, 4)
  static let (dx, dy): (Float, Float) = (2, 1)

  /// Writes the clip as PNG folders: `original/` at twice the size, `stylized/` at the size with
  /// independent per-frame noise of +-20 levels (flicker), and `flows/` with the true flows at
  /// the original size (vectors twice the shift) under the documented names.
  static func writeClip(in pictures: TestPictures) throws {
    for folder in ["original", "stylized", "flows"] {
      try FileManager.default.createDirectory(
        atPath: pictures.path(folder), withIntermediateDirectories: true)
    }
    for t in 0..<frameCount {
      let offset = (x: Float(t) * dx, y: Float(t) * dy)
      let name = String(format: "%05d.png", t + 1)
      try writeImage(
        TestPictures.scene(width: 2 * width, height: 2 * height, offset: offset, scale: 2),
        to: pictures.path("original/" + name))
      var generator = SeededGenerator(seed: UInt64(t + 1))
      let noise = (0..<(3 * width * height)).map { _ in
        Float.random(in: -20...20, using: &generator)
      }
      try writeImage(
        TestPictures.scene(width: width, height: height, offset: offset) { c, x, y in
          noise[(y * width + x) * 3 + c]
        }, to: pictures.path("stylized/" + name))
    }
    let count = 4 * width * height
    for t in 1..<frameCount {
      let forward = FlowField(
        width: 2 * width, height: 2 * height, u: [Float](repeating: 2 * dx, count: count),
        v: [Float](repeating: 2 * dy, count: count))
      let backward = FlowField(
        width: 2 * width, height: 2 * height, u: [Float](repeating: -2 * dx, count: count),
        v: [Float](repeating: -2 * dy, count: count))
      try forward.write(to: pictures.path(String(format: "flows/forward_%05d_%05d.flo", t, t + 1)))
      try backward.write(
        to: pictures.path(String(format: "flows/backward_%05d_%05d.flo", t + 1, t)))
    }
  }

  static func summary(_ arguments: [String]) throws -> MetricsSummary {
    try Metrics.parse(arguments).measure(progress: ProgressReporter(quiet: true))
  }

  @Test func jsonHasTheDocumentedKeys() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    try Self.writeClip(in: pictures)
    let summary = try Self.summary([
      "--original", pictures.path("original"), "--stylized", pictures.path("stylized"), "--json",
    ])
    let object = try JSONSerialization.jsonObject(with: Data(try summary.json().utf8))
    let json = try #require(object as? [String: Any])
    #expect(
      Set(json.keys) == [
        "frameCount", "width", "height", "flow", "warpingError", "ruderError", "meanWarpingError",
        "meanRuderError", "originalMeanWarpingError", "originalMeanRuderError",
      ])
    #expect(json["frameCount"] as? Int == Self.frameCount)
    #expect(json["width"] as? Int == Self.width && json["height"] as? Int == Self.height)
    #expect(json["flow"] as? String == "estimated")
    let warping = try #require(json["warpingError"] as? [Any])
    let ruder = try #require(json["ruderError"] as? [Any])
    #expect(warping.count == Self.frameCount && ruder.count == Self.frameCount)
    #expect(warping.last is NSNull && ruder.first is NSNull)
    let stylizedError = try #require(json["meanWarpingError"] as? Double)
    let originalError = try #require(json["originalMeanWarpingError"] as? Double)
    #expect(
      originalError < stylizedError / 10, "original \(originalError), stylised \(stylizedError)")
    #expect(summary.table().contains(" mean"))
  }

  @Test func trueFlowFilesAgreeWithTheEstimator() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    try Self.writeClip(in: pictures)
    let estimated = try Self.summary([
      "--original", pictures.path("original"), "--stylized", pictures.path("stylized"),
    ])
    let files = try Self.summary([
      "--stylized", pictures.path("stylized"), "--flow-dir", pictures.path("flows"),
    ])
    #expect(files.flow == "files" && files.frameCount == Self.frameCount)
    #expect(files.originalMeanWarpingError == nil)
    #expect(try files.json().contains("\"originalMeanRuderError\" : null"))
    // Independent noise of +-20/255 per value: 2 sigma^2 = 2 (20/255)^2 / 3 per channel, so
    // E_warp (3 channels) is about 2 (20/255)^2 = 0.0123 (a little less: rounding and clipping).
    let expected = 2 * (20.0 / 255) * (20.0 / 255)
    #expect(
      abs(Double(files.meanWarpingError) / expected - 1) < 0.1, "E_warp \(files.meanWarpingError)")
    for (a, b, name) in [
      (estimated.meanWarpingError, files.meanWarpingError, "E_warp"),
      (estimated.meanRuderError, files.meanRuderError, "E_Ruder"),
    ] {
      #expect(abs(a / b - 1) < 0.1, "\(name): estimated flow \(a), flow files \(b)")
    }
  }

  @Test func aMissingFlowFileIsNamed() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    try Self.writeClip(in: pictures)
    let missing = pictures.path("flows/backward_00003_00002.flo")
    try FileManager.default.removeItem(atPath: missing)
    do {
      _ = try Self.summary([
        "--stylized", pictures.path("stylized"), "--flow-dir", pictures.path("flows"),
      ])
      Issue.record("a missing flow file was not reported")
    } catch {
      #expect("\(error)".contains(missing), "\(error)")
    }
  }

  @Test func userMistakesAreReportedByValidate() {
    func message(_ arguments: [String]) -> String {
      do {
        _ = try Metrics.parse(arguments)
        return ""
      } catch {
        return Metrics.message(for: error)
      }
    }
    let existing = CommandLine.arguments[0]
    #expect(message(["--stylized", existing]).contains("--original"))
    #expect(
      message(["--stylized", "/no/such.mp4", "--original", existing]).contains("'/no/such.mp4'"))
    #expect(
      message(["--stylized", existing, "--original", existing, "--frames", "1"]).contains(
        "at least 2"))
    #expect(message(["--stylized", existing, "--flow-dir", existing]).contains("not a folder"))
  }
}
