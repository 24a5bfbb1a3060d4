import Foundation
import Testing

@testable import Engine

/// Texture synthesis, reconstruction from raw activations, and the Gram matrix's indifference to
/// where features are; the end-to-end cases use the real VGG-19 weights on small images.
@Suite(.serialized) struct TextureTests {
  /// Stationary "brush strokes": a dozen oriented waves with random directions, periods, phases.
  static func strokes(width: Int, height: Int, seed: UInt64 = 7) -> Image {
    var generator = SeededGenerator(seed: seed)
    let waves = (0..<12).map { _ in
      (
        angle: Float.random(in: 0..<Float.pi, using: &generator),
        period: Float.random(in: 4...14, using: &generator),
        phase: Float.random(in: 0..<6.3, using: &generator),
        channel: Int.random(in: 0..<3, using: &generator)
      )
    }
    var rgb = [UInt8]()
    for y in 0..<height {
      for x in 0..<width {
        var value: [Float] = [110, 120, 100]
        for wave in waves {
          let t =
            (Float(x) * cos(wave.angle) + Float(y) * sin(wave.angle)) / wave.period + wave.phase
          value[wave.channel] += 45 * sin(t) * sin(t * 0.37 + Float(x + 2 * y) / 97)
        }
        rgb += value.map { UInt8(min(max($0, 0), 255)) }
      }
    }
    return Image(width: width, height: height, rgb: rgb)
  }

  /// Left half red, right half blue, with a little grain.
  static func halves(width: Int, height: Int) -> Image {
    var rgb = [UInt8]()
    for y in 0..<height {
      for x in 0..<width {
        let grain = UInt8((x * 7 + y * 13) % 5 * 8)
        rgb += x < width / 2 ? [200 + grain, 40, 40] : [40, 40, 200 + grain]
      }
    }
    return Image(width: width, height: height, rgb: rgb)
  }

  /// mean(red - blue) over the left half minus the same over the right half: where the colours are.
  static func sideContrast(_ image: Image) -> Float {
    let (width, height) = (image.width, image.height)
    var (left, right): (Float, Float) = (0, 0)
    for y in 0..<height {
      for x in 0..<width {
        let red = image.pixels.scalars[y * width + x]
        let blue = image.pixels.scalars[(2 * height + y) * width + x]
        if x < width / 2 { left += red - blue } else { right += red - blue }
      }
    }
    return (left - right) / Float(width * height / 2)
  }

  /// |a - b| / |b| in Double, with the Gram matrix written out as loops (not the engine's gemm).
  static func naiveRelativeDistances(_ a: Tensor, _ b: Tensor) -> (
    activations: Double, gram: Double
  ) {
    func gram(_ f: Tensor) -> [Double] {
      let (c, n) = (f.shape[0], f.shape[1] * f.shape[2])
      var g = [Double](repeating: 0, count: c * c)
      for i in 0..<c {
        for j in i..<c {
          var sum: Double = 0
          for p in 0..<n { sum += Double(f.scalars[i * n + p]) * Double(f.scalars[j * n + p]) }
          (g[i * c + j], g[j * c + i]) = (sum / Double(c * n), sum / Double(c * n))
        }
      }
      return g
    }
    func distance(_ x: [Double], _ y: [Double]) -> Double {
      let difference = zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
      return (difference / y.reduce(0) { $0 + $1 * $1 }).squareRoot()
    }
    return (
      distance(a.scalars.map(Double.init), b.scalars.map(Double.init)), distance(gram(a), gram(b))
    )
  }

  static func network() throws -> VGG19 {
    let path = VGG19.defaultWeightsPath()
    try #require(
      FileManager.default.fileExists(atPath: path),
      "VGG-19 weights missing at \(path): run `make weights`")
    return try VGG19(weightsAt: path)
  }

  /// 40 iterations, no early stop, style at `styleLayers`.
  static func configuration(styleLayers: [VGG19.Layer]) -> StyleTransfer.Configuration {
    var configuration = StyleTransfer.Configuration()
    configuration.iterations = 40
    configuration.tolerance = 0
    configuration.styleLayers = styleLayers
    return configuration
  }

  @Test func textureSynthesisLowersTheStyleLossByALargeFactorFromNoise() throws {
    let network = try Self.network()
    let style = Self.strokes(width: 64, height: 64)
    // relu4_1 and relu5_1 are 8x8 and 4x4 at this size, too coarse to say much in a test.
    let configuration = Self.configuration(styleLayers: [.relu1_1, .relu2_1, .relu3_1])
    let transfer = StyleTransfer(network: network, styles: [style], configuration: configuration)
    var losses: [StyleTransfer.Losses] = []
    var start: Image?
    let result = transfer.synthesizeTexture(width: 64, height: 64) { state in
      losses.append(state.losses)
      if start == nil { start = state.currentImage() }
    }
    let first = try #require(losses.first).style
    let last = try #require(losses.last).style
    #expect(first / last > 20, "style loss fell only from \(first) to \(last)")
    #expect(losses.allSatisfy { $0.content == 0 })
    // The same fall measured outside the loss: Gram distances to the style, noise vs texture.
    let before = StyleTransferTests.gramDistance(
      try #require(start), to: style, network: network, layers: configuration.styleLayers)
    let after = StyleTransferTests.gramDistance(
      result.image, to: style, network: network, layers: configuration.styleLayers)
    #expect(before / after > 20, "Gram distance fell only from \(before) to \(after)")
    // No content term: content settings change nothing.
    var withContent = configuration
    withContent.contentWeight = 1000
    withContent.contentLayers = [.relu2_1]
    withContent.initialization = .content
    let other = StyleTransfer(network: network, styles: [style], configuration: withContent)
      .synthesizeTexture(width: 64, height: 64)
    #expect(other.image.rgbBytes() == result.image.rgbBytes())
    print("texture: style loss \(first) -> \(last); Gram distance \(before) -> \(after)")
  }

  @Test func aReconstructionKeepsTheLayoutAndATextureDoesNot() throws {
    let network = try Self.network()
    let picture = Self.halves(width: 64, height: 64)
    var configuration = Self.configuration(styleLayers: [.relu1_1, .relu2_1])
    let texture = StyleTransfer(network: network, styles: [picture], configuration: configuration)
      .synthesizeTexture(width: 64, height: 64).image
    configuration.styleLayers = []
    configuration.contentLayers = [.relu2_1]
    let reconstruction = StyleTransfer(network: network, styles: [], configuration: configuration)
      .stylize(picture).image
    let original = Self.sideContrast(picture)
    let kept = Self.sideContrast(reconstruction)
    let mixed = Self.sideContrast(texture)
    // Red left and blue right: the reconstruction keeps it, the texture scatters both colours.
    #expect(kept > 0.8 * original, "reconstruction: \(kept) of \(original)")
    #expect(abs(mixed) < 0.25 * original, "texture: \(mixed) of \(original)")
    print("left-right contrast: original \(original), reconstruction \(kept), texture \(mixed)")
  }

  @Test func theGramMatrixOfATileShuffledImageIsNearlyTheOriginals() throws {
    let network = try Self.network()
    // 128 px tiles: a multiple of relu4_1's stride (8), so each tile covers whole cells of its
    // grid and the shuffled activations are the original's, moved, away from the seams. Only
    // *nearly*: activations within a receptive field (68 px) of a seam see two tiles that were
    // not neighbours, and tiles that moved from the image border lose the zero padding's effect.
    let picture = Self.strokes(width: 256, height: 256)
    let shuffled = picture.shufflingTiles(128, seed: 1)
    let another = Self.strokes(width: 256, height: 256, seed: 99)
    let layer = VGG19.Layer.relu4_1
    let original = try #require(
      FeatureCorrelations.measure(picture, at: [layer], network: network)[layer])
    let moved = try #require(
      FeatureCorrelations.measure(shuffled, at: [layer], network: network)[layer])
    let other = try #require(
      FeatureCorrelations.measure(another, at: [layer], network: network)[layer])
    let reference = Self.naiveRelativeDistances(moved.activations, original.activations)
    let distance = moved.relativeDistance(to: original)
    #expect(abs(Double(distance.gram) - reference.gram) < 1e-3 * reference.gram)
    #expect(abs(Double(distance.activations) - reference.activations) < 1e-4)
    #expect(reference.gram < 0.2, "Gram matrix changed by \(reference.gram)")
    #expect(reference.activations > 0.6, "activations changed by only \(reference.activations)")
    // For scale: another picture of the same kind (other waves) differs far more in its Gram
    // matrix.
    let otherGram = Self.naiveRelativeDistances(other.activations, original.activations).gram
    #expect(reference.gram < 0.5 * otherGram, "shuffled \(reference.gram), other \(otherGram)")
    print(
      "relu4_1 relative change under a tile shuffle: Gram \(reference.gram), activations "
        + "\(reference.activations); another strokes picture: Gram \(otherGram)")
  }

  @Test func shufflingTilesMovesEveryWholeTileAndKeepsTheRest() {
    // 10x7 px, tiles 3: a 3x2 grid of whole tiles, a 1 px column and row left over.
    let (width, height, tile) = (10, 7, 3)
    let picture = Image(
      pixels: Tensor(
        shape: [3, height, width], scalars: (0..<(3 * width * height)).map(Float.init)))
    let shuffled = picture.shufflingTiles(tile, seed: 5)
    #expect(shuffled == picture.shufflingTiles(tile, seed: 5))
    func tileValues(_ image: Image, _ column: Int, _ row: Int) -> [Float] {
      var values: [Float] = []
      for c in 0..<3 {
        for y in (row * tile)..<((row + 1) * tile) {
          for x in (column * tile)..<((column + 1) * tile) {
            values.append(image.pixels.scalars[(c * height + y) * width + x])
          }
        }
      }
      return values
    }
    let positions = (0..<2).flatMap { row in (0..<3).map { (column: $0, row: row) } }
    var sources: [Int] = []
    for position in positions {
      let values = tileValues(shuffled, position.column, position.row)
      let source = positions.firstIndex { tileValues(picture, $0.column, $0.row) == values }
      sources.append(source ?? -1)
    }
    #expect(sources.sorted() == Array(0..<6), "each tile comes from exactly one original tile")
    #expect(zip(sources, 0..<6).allSatisfy { $0 != $1 }, "every tile moved: \(sources)")
    for c in 0..<3 {
      for y in 0..<height {
        for x in 0..<width where x >= 9 || y >= 6 {
          let index = (c * height + y) * width + x
          #expect(shuffled.pixels.scalars[index] == picture.pixels.scalars[index])
        }
      }
    }
  }

  /// Channels (2x2 maps): 0 = [1, 0, 0, 0], 1 = [3, 3, 0, 0], 2 = [2, 2, 2, 0].
  /// G = F F^T / (C*N), C*N = 12: diagonal 1/12, 18/12, 12/12; G01 3/12, G02 2/12, G12 12/12.
  static let handMade = FeatureCorrelations(
    layer: .relu1_1,
    activations: Tensor(shape: [3, 2, 2], scalars: [1, 0, 0, 0, 3, 3, 0, 0, 2, 2, 2, 0]))

  @Test func channelOrderStrongestPairAndDistancesOfAHandMadeGramMatrix() {
    let features = Self.handMade
    #expect(
      maxAbsDifference(features.gram.scalars, [1, 3, 2, 3, 18, 12, 2, 12, 12].map { $0 / 12 })
        < 1e-6)
    #expect(features.channelsByStrength == [1, 2, 0])
    #expect(features.strongestPair == (1, 2))
    let scaled = FeatureCorrelations(
      layer: .relu1_1,
      activations: Tensor(shape: [3, 2, 2], scalars: features.activations.scalars.map { 2 * $0 }))
    // Twice the activations: |2F - F| / |F| = 1; |4G - G| / |G| = 3.
    let distance = scaled.relativeDistance(to: features)
    #expect(abs(distance.activations - 1) < 1e-6 && abs(distance.gram - 3) < 1e-5)
  }

  @Test func gramPictureIsSortedAndColouredOnALogScale() {
    let picture = Self.handMade.gramPicture(side: 6, decades: 2)
    #expect(picture.width == 6 && picture.height == 6)
    func color(_ x: Int, _ y: Int) -> [Float] {
      (0..<3).map { picture.pixels.scalars[($0 * 6 + y) * 6 + x] }
    }
    // Top left: channel 1 with itself, the largest entry (a Gram matrix's largest is diagonal).
    #expect(color(0, 0) == [253, 231, 37] && color(1, 1) == [253, 231, 37])
    // Bottom right: channel 0 with itself, 1/18 of the largest: 1 + log10(1/18) / 2 = 0.372.
    let expected = viridis(0.372_36)
    #expect(maxAbsDifference(color(5, 5), [expected.red, expected.green, expected.blue]) < 1e-2)
    // Row 0, column 1: channels 1 and 2, 12/18 of the largest: 0.911.
    let pair = viridis(0.911_96)
    #expect(maxAbsDifference(color(2, 0), [pair.red, pair.green, pair.blue]) < 1e-2)
  }

  @Test func coactivationPictureLightsUpWhereBothChannelsFire() {
    // Two 4x4 maps: both fire in the top-left 2x2 block; channel 1 also alone at bottom right.
    var scalars = [Float](repeating: 0, count: 32)
    for (y, x) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
      scalars[y * 4 + x] = 1
      scalars[16 + y * 4 + x] = 1
    }
    scalars[16 + 15] = 5
    let features = FeatureCorrelations(
      layer: .relu1_1, activations: Tensor(shape: [2, 4, 4], scalars: scalars))
    let grey = Image(pixels: Tensor(shape: [3, 8, 8], repeating: 100))
    let picture = features.coactivationPicture((0, 1), over: grey)
    func color(_ x: Int, _ y: Int) -> [Float] {
      (0..<3).map { picture.pixels.scalars[($0 * 8 + y) * 8 + x] }
    }
    #expect(maxAbsDifference(color(0, 0), [253, 231, 37]) < 1e-3, "both fire: yellow")
    #expect(maxAbsDifference(color(7, 7), [40, 40, 40]) < 1e-3, "one alone: dimmed grey (0.4)")
  }

  @Test func receptiveFieldsAndStridesOfVGG19() {
    let layers: [VGG19.Layer] = [.relu1_1, .relu1_2, .relu2_1, .relu3_1, .relu4_1, .relu5_1]
    // By hand: 3 (conv), 5 (conv), 6 (pool, stride 2), 10 (conv); relu2_2 14, pool 16 (stride 4),
    // relu3_1 24; relu3_4 48, pool 52 (stride 8), relu4_1 68; relu4_4 116, pool 124, relu5_1 156.
    #expect(layers.map(\.receptiveField) == [3, 5, 10, 24, 68, 156])
    #expect(layers.map(\.stride) == [1, 1, 2, 4, 8, 16])
  }
}
