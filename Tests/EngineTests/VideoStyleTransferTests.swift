import Foundation
import Testing

@testable import Engine

/// The temporal method on a scene whose true motion is known: a texture moving 2 px right per
/// frame. A small random network keeps it fast; the flow is the real estimator.
@Suite struct VideoStyleTransferTests {
  static let (width, height) = (48, 32)

  /// Frame `index` of the scene: a smooth multi-frequency texture shifted right by 2 px a frame.
  static func frame(_ index: Int) -> Image {
    var rgb: [UInt8] = []
    for y in 0..<height {
      for x in 0..<width {
        let u = Double(x - 2 * index)
        let v = Double(y)
        let a: Double = sin(u * 0.35) + 0.6 * cos(v * 0.41 + u * 0.13) + 0.4 * sin(u * 0.9 - v * 0.7)
        let b: Double = cos(u * 0.22 - v * 0.3) + 0.5 * sin(v * 0.8)
        let red = UInt8(128 + 50 * a)
        let green = UInt8(128 + 60 * b)
        let blue = UInt8(128 + 20 * (a - b))
        rgb += [red, green, blue]
      }
    }
    return Image(width: width, height: height, rgb: rgb)
  }

  static func transfer(temporalWeight: Float) -> StyleTransfer {
    var configuration = StyleTransfer.Configuration()
    configuration.temporalWeight = temporalWeight
    // The first frame starts from noise, so its output is far from the content frame and a
    // later frame that merely reproduced its content would be caught.
    configuration.initialization = .random
    // The random network's Gram matrices are large; this keeps the terms comparable.
    configuration.styleWeight = 1e-3
    var rgb: [UInt8] = []
    for i in 0..<(32 * 32) {
      let stripe = UInt8(i % 7 * 30)
      let ramp = UInt8(i / 32 * 8)
      rgb += [stripe, ramp, 200]
    }
    let style = Image(width: 32, height: 32, rgb: rgb)
    return StyleTransfer(
      network: VGG19(randomWeightsSeed: 11, widthDivisor: 16), styles: [style],
      configuration: configuration)
  }

  static func video(temporalWeight: Float, iterations: Int) -> VideoStyleTransfer {
    var configuration = VideoStyleTransfer.Configuration()
    configuration.firstSchedule = [20]
    configuration.iterations = iterations
    configuration.temporalFrames = [1]
    return VideoStyleTransfer(
      transfer: transfer(temporalWeight: temporalWeight), configuration: configuration)
  }

  /// Mean absolute difference between `image` and `previous` moved 2 px right, away from borders.
  static func differenceFromShifted(_ image: Image, _ previous: Image) -> Double {
    let (a, b) = (image.rgbBytes(), previous.rgbBytes())
    var sum = 0.0
    var count = 0
    for y in 4..<(height - 4) {
      for x in 6..<(width - 4) {
        for c in 0..<3 {
          sum += abs(Double(a[(y * width + x) * 3 + c]) - Double(b[(y * width + x - 2) * 3 + c]))
          count += 1
        }
      }
    }
    return sum / Double(count)
  }

  @Test func laterFramesStartFromThePreviousOutputMovedWithTheScene() throws {
    let video = Self.video(temporalWeight: 1e3, iterations: 3)
    let first = try video.stylizeNext(Self.frame(0), index: 0).result.image
    var start: Image?
    _ = try video.stylizeNext(Self.frame(1), index: 1) { state in
      if state.iteration == 1 { start = state.currentImage() }
    }
    let warmStart = try #require(start)
    let error = Self.differenceFromShifted(warmStart, first)
    #expect(error < 2, "warm start differs from the moved previous output by \(error) levels")
    // The content frame is a different picture: the warm start is not just the content.
    #expect(Self.differenceFromShifted(Self.frame(1), first) > 10)
  }

  @Test func theTemporalLossKeepsFramesCloserToTheMovedPreviousOutput() throws {
    func drift(temporalWeight: Float) throws -> Double {
      let video = Self.video(temporalWeight: temporalWeight, iterations: 30)
      let first = try video.stylizeNext(Self.frame(0), index: 0).result.image
      let second = try video.stylizeNext(Self.frame(1), index: 1).result.image
      return Self.differenceFromShifted(second, first)
    }
    let free = try drift(temporalWeight: 0)
    let held = try drift(temporalWeight: 1e3)
    #expect(held < free * 0.5, "temporal loss: drift \(held) with it, \(free) without")
  }

  /// A first frame too small for a coarse scale runs at full size only, with the coarse
  /// iterations' work there: the frame is 48x32, so its half (24x16) is under 96 px.
  @Test func aSmallFirstFrameSkipsTheCoarseScale() throws {
    var configuration = VideoStyleTransfer.Configuration()
    configuration.firstSchedule = [8, 3]
    let video = VideoStyleTransfer(
      transfer: Self.transfer(temporalWeight: 1e3), configuration: configuration)
    var seen: [(scale: Int, scales: Int, size: Int)] = []
    let report = try video.stylizeNext(Self.frame(0), index: 0) { state in
      seen.append((state.scale, state.scales, state.currentImage().width))
    }
    #expect(seen.allSatisfy { $0.scale == 1 && $0.scales == 1 && $0.size == Self.width })
    #expect(report.result.iterations == 3 + 8 / 4)
  }

  @Test func independentFramesIgnoreThePreviousOutput() throws {
    var configuration = VideoStyleTransfer.Configuration()
    configuration.independent = true
    configuration.firstSchedule = [5]
    let video = VideoStyleTransfer(
      transfer: Self.transfer(temporalWeight: 1e3), configuration: configuration)
    _ = try video.stylizeNext(Self.frame(0), index: 0)
    let second = try video.stylizeNext(Self.frame(1), index: 1).result
    // The reference: frame 1 stylised by a transfer that never saw frame 0, as a single image
    // with the same iterations and scales.
    let alone = Self.transfer(temporalWeight: 1e3).stylize(Self.frame(1), iterations: 5, scales: 1)
    let reference = alone.image.rgbBytes()
    func differingBytes(_ image: Image) -> Int {
      let bytes = image.rgbBytes()
      precondition(bytes.count == reference.count, "frames of different sizes")
      return zip(bytes, reference).filter { $0 != $1 }.count
    }
    let differing = differingBytes(second.image)
    #expect(differing == 0, "\(differing) of \(reference.count) bytes differ from the frame alone")
    // The same frame stylised as part of the video, not independently, does depend on frame 0.
    configuration.independent = false
    let dependent = VideoStyleTransfer(
      transfer: Self.transfer(temporalWeight: 1e3), configuration: configuration)
    _ = try dependent.stylizeNext(Self.frame(0), index: 0)
    let warmStarted = try dependent.stylizeNext(Self.frame(1), index: 1).result.image
    let warmDiffering = differingBytes(warmStarted)
    #expect(
      warmDiffering > reference.count / 2,
      "only \(warmDiffering) of \(reference.count) bytes differ when warm-started")
  }

  @Test func aBackwardPassStartsHalfwayBetweenThePassBeforeAndTheMovedNeighbour() throws {
    let video = Self.video(temporalWeight: 1e3, iterations: 3)
    var firstPass: [Image] = []
    for index in 0..<3 {
      firstPass.append(try video.stylizeNext(Self.frame(index), index: index).result.image)
    }
    video.beginPass(2)
    // Frames go backwards: frame 2 first (from its first-pass output), then frame 1.
    let last = try video.refineNext(
      Self.frame(2), index: 2, previous: firstPass[2]
    ).result.image
    // A flat grey "pass before" for frame 1 keeps the two halves of the blend far apart.
    let grey = Image(
      width: Self.width, height: Self.height,
      rgb: [UInt8](repeating: 128, count: Self.width * Self.height * 3))
    var start: Image?
    let second = try video.refineNext(Self.frame(1), index: 1, previous: grey) { state in
      if state.iteration == 1 { start = state.currentImage() }
    }
    let warmStart = try #require(start).rgbBytes()
    // Expected, away from the borders where the flow is reliable: the mean of frame 1's image of
    // the pass before and frame 2's new output moved back 2 px (frame 1 at x shows frame 2 at
    // x + 2).
    let (previous, neighbour) = (grey.rgbBytes(), last.rgbBytes())
    var error = 0.0
    var count = 0
    for y in 4..<(Self.height - 4) {
      for x in 4..<(Self.width - 6) {
        for c in 0..<3 {
          let expected =
            0.5 * Double(previous[(y * Self.width + x) * 3 + c])
            + 0.5 * Double(neighbour[(y * Self.width + x + 2) * 3 + c])
          error += abs(Double(warmStart[(y * Self.width + x) * 3 + c]) - expected)
          count += 1
        }
      }
    }
    error /= Double(count)
    #expect(error < 2, "the backward pass's start is off the blend by \(error) levels")
    #expect(Self.differenceFromShifted(last, grey) > 10 * error, "a blend of equal images")
    // The temporal loss looks at frame 2, the neighbour done just before in this pass.
    #expect(second.result.losses.temporal > 0)
  }
}
