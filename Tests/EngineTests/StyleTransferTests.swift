import Foundation
import Testing

@testable import Engine

/// End to end with the real VGG-19 weights (fetched by `make test`), on tiny images.
@Suite(.serialized) struct StyleTransferTests {
  /// A smooth content picture: a bright disc on a gradient.
  static func content(width: Int, height: Int) -> Image {
    var rgb = [UInt8]()
    for y in 0..<height {
      for x in 0..<width {
        let dx = Double(x - width / 2), dy = Double(y - height / 2)
        let inside = dx * dx + dy * dy < Double(width * width) / 10
        rgb += inside
          ? [230, 210, 90] : [UInt8(40 + 150 * x / width), UInt8(80 + 100 * y / height), 160]
      }
    }
    return Image(width: width, height: height, rgb: rgb)
  }

  /// A busy style picture: diagonal red-blue stripes with a finer green grid.
  static func style(width: Int, height: Int) -> Image {
    var rgb = [UInt8]()
    for y in 0..<height {
      for x in 0..<width {
        let stripe = (x + y) / 6 % 2 == 0
        let grid = x % 4 == 0 || y % 4 == 0
        rgb += [stripe ? 220 : 30, grid ? 200 : 20, stripe ? 40 : 210]
      }
    }
    return Image(width: width, height: height, rgb: rgb)
  }

  /// Sum over the style layers of mean((G(x) - G(style))^2), unweighted.
  static func gramDistance(
    _ image: Image, to style: Image, network: VGG19, layers: [VGG19.Layer]
  ) -> Double {
    let mine = network.forward(image.preprocessed(), capturing: Set(layers))
    let theirs = network.forward(style.preprocessed(), capturing: Set(layers))
    return layers.reduce(0) { sum, layer in
      let a = gramMatrix(mine[layer]!).scalars, b = gramMatrix(theirs[layer]!).scalars
      let squares = zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
      return sum + squares / Double(a.count)
    }
  }

  @Test func realWeightsMakeTheLossFallAndTheGramsApproachTheStyle() throws {
    let path = VGG19.defaultWeightsPath()
    try #require(
      FileManager.default.fileExists(atPath: path),
      "VGG-19 weights missing at \(path): run `make weights`")
    let network = try VGG19(weightsAt: path)
    let content = Self.content(width: 64, height: 48)
    let style = Self.style(width: 64, height: 48)
    var configuration = StyleTransfer.Configuration()
    configuration.iterations = 40
    configuration.tolerance = 0
    let transfer = StyleTransfer(network: network, styles: [style], configuration: configuration)

    var losses: [Float] = []
    let result = transfer.stylize(content) { losses.append($0.losses.total) }

    #expect(losses.count == 40)
    let first = try #require(losses.first), last = try #require(losses.last)
    #expect(first / last > 20, "total loss fell only from \(first) to \(last)")
    let before = Self.gramDistance(
      content, to: style, network: network, layers: configuration.styleLayers)
    let after = Self.gramDistance(
      result.image, to: style, network: network, layers: configuration.styleLayers)
    #expect(before / after >= 5, "Gram distance fell only from \(before) to \(after)")
    print("end to end: total loss \(first) -> \(last); Gram distance \(before) -> \(after)")
  }

  /// Over the levels of an image pyramid (the default for a fresh start) the loss falls as
  /// over the pixels and never overshoots: uncapped, L-BFGS's second step took this one from
  /// 6e9 to 1e21 and the restarts half the iterations (`ImagePyramid.largestStep`).
  @Test func overThePyramidsLevelsTheLossFallsWithoutOvershooting() throws {
    let path = VGG19.defaultWeightsPath()
    try #require(FileManager.default.fileExists(atPath: path), "run `make weights`")
    let network = try VGG19(weightsAt: path)
    var configuration = StyleTransfer.Configuration()
    (configuration.iterations, configuration.tolerance) = (30, 0)
    configuration.initialization = .content
    #expect(configuration.pyramidWeight > 0)
    let transfer = StyleTransfer(
      network: network, styles: [Self.style(width: 96, height: 64)],
      configuration: configuration)
    var losses: [Float] = []
    _ = transfer.stylize(Self.content(width: 96, height: 64)) { losses.append($0.losses.total) }
    let first = try #require(losses.first), last = try #require(losses.last)
    #expect(losses.count == 30)
    #expect(losses.max()! <= first, "overshot to \(losses.max()!) from \(first)")
    #expect(first / last > 10, "total loss fell only from \(first) to \(last)")
  }

  /// Coarse scales under `smallestCoarseSide` (96 px) are left out; their iterations move to
  /// the next scale at a quarter per halving, so the work in pixels x iterations stays.
  @Test(arguments: [
    ([150, 120], 512, 288, [150, 120]),  // half 256x144: kept
    ([150, 120], 384, 216, [150, 120]),  // half 192x108: kept
    ([150, 120], 192, 108, [158]),  // half 96x54: 120 + 150 / 4 = 157.5
    ([100, 80, 60], 256, 144, [86]),  // 64x36 and 128x72: 60 + (80 + 100 / 4) / 4 = 86.25
    ([100, 80, 60], 512, 288, [105, 60]),  // 128x72 out: 80 + 100 / 4 = 105
    ([100, 80, 60], 1024, 576, [100, 80, 60]),  // quarter 256x144: kept
    ([40], 32, 32, [40]),  // the full size always runs
  ])
  func smallCoarseScalesAreLeftOut(
    schedule: [Int], width: Int, height: Int, expected: [Int]
  ) {
    let kept = StyleTransfer.schedule(schedule, width: width, height: height)
    #expect(kept == expected)
    // The work, in full-size iterations: each halving is a quarter of the pixels.
    func work(_ schedule: [Int]) -> Double {
      zip(schedule.reversed(), 0...).reduce(0) { $0 + Double($1.0) / pow(4, Double($1.1)) }
    }
    #expect(abs(work(kept) - work(schedule)) <= 0.5)
  }

  @Test func sameSeedGivesTheSameImage() throws {
    let network = VGG19(randomWeightsSeed: 3, widthDivisor: 16)
    var configuration = StyleTransfer.Configuration()
    configuration.iterations = 5
    configuration.initialization = .random
    configuration.seed = 42
    let content = Self.content(width: 32, height: 32)
    let style = Self.style(width: 32, height: 32)
    let first = StyleTransfer(network: network, styles: [style], configuration: configuration)
      .stylize(content).image
    let second = StyleTransfer(network: network, styles: [style], configuration: configuration)
      .stylize(content).image
    #expect(first.rgbBytes() == second.rgbBytes())
  }

  @Test func styleStrengthDoesNotDependOnTheNumberOfIdenticalStyles() throws {
    // Two copies of one style blended 1:1 are the same target as the style alone.
    let network = VGG19(randomWeightsSeed: 5, widthDivisor: 16)
    var configuration = StyleTransfer.Configuration()
    configuration.iterations = 3
    configuration.tolerance = 0
    let content = Self.content(width: 32, height: 32)
    let style = Self.style(width: 32, height: 32)
    var one: [Float] = [], two: [Float] = []
    _ = StyleTransfer(network: network, styles: [style], configuration: configuration)
      .stylize(content) { one.append($0.losses.style) }
    _ = StyleTransfer(network: network, styles: [style, style], configuration: configuration)
      .stylize(content) { two.append($0.losses.style) }
    // One report per iteration from each, compared one to one.
    #expect(one.count == 3 && two.count == 3, "\(one.count) and \(two.count) iterations reported")
    for (a, b) in zip(one, two) { #expect(abs(a - b) <= 1e-4 * max(abs(a), 1e-6), "\(a) vs \(b)") }
  }
}
