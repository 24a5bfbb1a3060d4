import Testing

@testable import Engine

/// RGB24 conversion, the VGG preprocessing pair and resizing.
@Suite struct ImageTests {
  /// An image whose bytes cover all 256 values in every channel.
  static func patternBytes(width: Int, height: Int) -> [UInt8] {
    (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 3) }
  }

  @Test func rgbBytesRoundTripExactly() {
    let bytes = Self.patternBytes(width: 17, height: 13)
    #expect(Set(bytes).count == 256)
    let image = Image(width: 17, height: 13, rgb: bytes)
    #expect(image.width == 17 && image.height == 13)
    #expect(image.rgbBytes() == bytes)
  }

  @Test func bytesArePlanarAfterConversion() {
    // Two pixels, (1, 2, 3) and (4, 5, 6): planes R = [1, 4], G = [2, 5], B = [3, 6].
    let image = Image(width: 2, height: 1, rgb: [1, 2, 3, 4, 5, 6])
    #expect(image.pixels.shape == [3, 1, 2])
    #expect(image.pixels.scalars == [1, 4, 2, 5, 3, 6])
  }

  @Test func rgbBytesRoundAndClamp() {
    let image = Image(
      pixels: Tensor(shape: [3, 1, 2], scalars: [-3.2, 255.7, 12.5, 12.49, 300, .nan]))
    #expect(image.rgbBytes() == [0, 13, 255, 255, 12, 0])
  }

  @Test func preprocessIsBGRMinusTheCaffeMean() {
    let image = Image(width: 1, height: 1, rgb: [10, 20, 30])
    let expected: [Float] = [30 - 103.939, 20 - 116.779, 10 - 123.68]
    let error = zip(image.preprocessed().scalars, expected).map { abs($0 - $1) }.max() ?? 0
    #expect(error < 1e-5, "preprocessed pixel off by \(error)")
  }

  @Test func deprocessInvertsPreprocess() {
    let image = Image(pixels: Tensor(randomUniform: [3, 6, 7], in: -20...280, seed: 11))
    let back = Image(deprocessing: image.preprocessed())
    let error = zip(back.pixels.scalars, image.pixels.scalars).map { abs($0 - $1) }.max() ?? 0
    #expect(error < 1e-4, "round trip off by \(error)")
    let bytes = Self.patternBytes(width: 9, height: 4)
    #expect(
      Image(deprocessing: Image(width: 9, height: 4, rgb: bytes).preprocessed()).rgbBytes() == bytes
    )
  }

  @Test func gradientThroughPreprocessMatchesFiniteDifferences() {
    // L(rgb) = mean(c * (pre(rgb) - t)^2) with a channel- and position-dependent weight c, so that a
    // missing or wrong channel swap in the pull-back shows up.
    let image = Image(pixels: Tensor(randomUniform: [3, 4, 5], in: 0...255, seed: 12))
    let target = Tensor(randomUniform: [3, 4, 5], in: -100...100, seed: 13)
    let weights: [Double] = (0..<60).map { (i: Int) -> Double in
      Double(i % 7 + 1) + Double(i / 20) * 10
    }
    let mean: [Double] = [103.939, 116.779, 123.68]
    func reference(_ rgb: [Double]) -> Double {
      var sum = 0.0
      for c in 0..<3 {
        for p in 0..<20 {
          let pre = rgb[(2 - c) * 20 + p] - mean[c]  // BGR minus the mean, written out again
          let d = pre - Double(target.scalars[c * 20 + p])
          sum += weights[c * 20 + p] * d * d
        }
      }
      return sum / 60
    }
    let pre = image.preprocessed()
    // dL/dpre = 2 c (pre - t) / 60
    let preGradientValues: [Float] = (0..<60).map { (i: Int) -> Float in
      let scale = Float(2 * weights[i] / 60)
      return scale * (pre.scalars[i] - target.scalars[i])
    }
    let preGradient = Tensor(shape: [3, 4, 5], scalars: preGradientValues)
    let gradient = Image.rgbGradient(fromPreprocessed: preGradient)
    let check = GradientCheck(
      input: image.pixels.scalars.map(Double.init), analytic: gradient.scalars, epsilon: 1e-2,
      loss: reference)
    #expect(
      check.relativeToLargest < 1e-4,
      "gradient through preprocess relative error \(check.relativeToLargest): \(check)")
  }

  @Test func resizingToTheSameSizeChangesNothing() {
    let image = Image(pixels: Tensor(randomUniform: [3, 5, 8], in: 0...255, seed: 14))
    #expect(image.resized(width: 8, height: 5) == image)
  }

  @Test(arguments: [(4, 6), (3, 2), (7, 5), (13, 9), (1, 1)])
  func resizingKeepsAConstantImage(size: (width: Int, height: Int)) {
    let image = Image(pixels: Tensor(shape: [3, 5, 6], repeating: 42))
    let resized = image.resized(width: size.width, height: size.height)
    #expect(resized.pixels.shape == [3, size.height, size.width])
    #expect(resized.pixels.scalars.allSatisfy { abs($0 - 42) < 1e-4 })
  }

  @Test func halvingAveragesTwoByTwoBlocks() {
    let image = Image(pixels: Tensor(randomUniform: [3, 4, 6], in: 0...255, seed: 15))
    let half = image.resized(width: 3, height: 2)
    var error: Float = 0
    for c in 0..<3 {
      for y in 0..<2 {
        for x in 0..<3 {
          let block = [(0, 0), (0, 1), (1, 0), (1, 1)].map {
            image.pixels.scalars[(c * 4 + 2 * y + $0.0) * 6 + 2 * x + $0.1]
          }
          error = max(error, abs(half.pixels.scalars[(c * 2 + y) * 3 + x] - block.reduce(0, +) / 4))
        }
      }
    }
    #expect(error < 1e-4, "2x2 block means off by \(error)")
  }

  @Test func areaDownscalingKeepsTheMean() {
    let image = Image(pixels: Tensor(randomUniform: [3, 9, 11], in: 0...255, seed: 16))
    let small = image.resized(width: 4, height: 7)  // non-integer factors 11/4 and 9/7
    for c in 0..<3 {
      let before = image.pixels.scalars[(c * 99)..<(c * 99 + 99)].reduce(0, +) / 99
      let after = small.pixels.scalars[(c * 28)..<(c * 28 + 28)].reduce(0, +) / 28
      #expect(abs(before - after) < 1e-3, "channel \(c) mean moved by \(abs(before - after))")
    }
  }

  @Test func upscalingInterpolatesARampLinearly() {
    // v(x) = 10 x + 3 on pixel centres; doubling puts output centres at x = (o + 0.5) / 2 - 0.5.
    let ramp = (0..<3).flatMap { _ in (0..<2).flatMap { _ in (0..<4).map { Float(10 * $0 + 3) } } }
    let image = Image(pixels: Tensor(shape: [3, 2, 4], scalars: ramp))
    let large = image.resized(width: 8, height: 4)
    for o in 1..<7 {  // away from the clamped edges
      let expected = 10 * ((Float(o) + 0.5) / 2 - 0.5) + 3
      #expect(abs(large.pixels.scalars[8 + o] - expected) < 1e-4, "column \(o)")
    }
  }

  @Test func styleScaleAndLongSideKeepTheAspectRatio() {
    let style = Image(pixels: Tensor(shape: [3, 100, 200]))
    let content = Image(pixels: Tensor(shape: [3, 50, 80]))
    // area 2^2 * 80 * 50 = 16000 at aspect 2:1 is 178.9 x 89.4
    let scaled = style.resized(matchingAreaOf: content, scale: 2)
    #expect(scaled.width == 179 && scaled.height == 89)
    let long = style.resized(longSide: 50)
    #expect(long.width == 50 && long.height == 25)
  }
}
