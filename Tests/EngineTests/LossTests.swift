import Testing

@testable import Engine

/// Gatys losses checked against hand values and against the formulas rewritten naively in Double.
@Suite struct LossTests {
  // MARK: Double references, written from the definitions (Gatys et al. 2016, with the Gram
  // matrix divided by C*N and mean-squared losses) independently of the engine's code

  /// G = F F^T / (C*N) by the definition, F (C, N).
  static func referenceGram(_ f: [Double], channels: Int) -> [Double] {
    let n = f.count / channels
    var g = [Double](repeating: 0, count: channels * channels)
    for i in 0..<channels {
      for j in 0..<channels {
        for p in 0..<n { g[i * channels + j] += f[i * n + p] * f[j * n + p] }
        g[i * channels + j] /= Double(channels * n)
      }
    }
    return g
  }

  /// w * mean over C*C of (G(F) - A)^2.
  static func referenceStyleLoss(_ f: [Double], channels: Int, target: [Double], weight: Double)
    -> Double
  {
    let g = referenceGram(f, channels: channels)
    return weight * zip(g, target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
      / Double(g.count)
  }

  static func doubles(_ t: Tensor) -> [Double] { t.scalars.map(Double.init) }

  /// Checks a loss's `value` and `gradient` at `x` against `reference`, its formula in Double:
  /// the value to a relative 1e-5, the gradient (central differences with steps of `step`) to
  /// 1e-4 of its largest entry.
  static func expectMatches(
    _ name: String, value: Float, gradient: [Float], at x: [Double], step: Double,
    reference: ([Double]) -> Double, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let valueError = relativeError(value, reference(x))
    let check = GradientCheck(input: x, analytic: gradient, epsilon: step, loss: reference)
    #expect(
      valueError < 1e-5, "\(name) value relative error \(valueError)",
      sourceLocation: sourceLocation)
    #expect(
      check.relativeToLargest < 1e-4,
      "\(name) gradient relative error \(check.relativeToLargest): \(check)",
      sourceLocation: sourceLocation)
  }

  // MARK: Gram matrix

  @Test func gramOfTwoChannelsTwoPixelsByHand() {
    // F = [[1, 2], [3, 4]]: F F^T = [[5, 11], [11, 25]], divided by C*N = 4.
    let features = Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4])
    let gram = gramMatrix(features)
    let expected: [Float] = [1.25, 2.75, 2.75, 6.25]
    #expect(gram.shape == [2, 2])
    let error = zip(gram.scalars, expected).map { abs($0 - $1) }.max() ?? 0
    #expect(error < 1e-6, "Gram off by \(error)")
  }

  @Test func gramMatchesDefinition() {
    let features = Tensor(randomUniform: [4, 5, 6], in: -1...2, seed: 1)
    let error = relativeError(
      gramMatrix(features).scalars, Self.referenceGram(Self.doubles(features), channels: 4))
    #expect(error < 1e-5, "Gram relative error \(error)")
  }

  @Test func gramIsUnchangedWhenEveryPixelIsRepeated() {
    // The same picture at twice the resolution (each pixel as a 2x2 block) has the same Gram
    // matrix, so the style loss and its weight mean the same at every size.
    let small = Tensor(randomUniform: [3, 4, 5], seed: 2)
    var large = Tensor(shape: [3, 8, 10])
    for c in 0..<3 {
      for y in 0..<8 {
        for x in 0..<10 {
          large.scalars[(c * 8 + y) * 10 + x] = small.scalars[(c * 4 + y / 2) * 5 + x / 2]
        }
      }
    }
    let error = relativeError(
      gramMatrix(large).scalars, Self.doubles(gramMatrix(small)))
    #expect(error < 1e-5, "Gram changed by \(error) with resolution")
  }

  // MARK: Style loss

  @Test func styleLossWithTwoBlendedStylesAtTwoLayersMatchesFiniteDifferences() {
    // Two layers of different sizes; at each, two style images blended 3:1.
    let shapes = [[4, 5, 6], [3, 4, 4]]
    let weights: [Float] = [0.7, 1.3]
    var losses: [StyleLoss] = []
    var references: [(target: [Double], channels: Int)] = []
    for (l, shape) in shapes.enumerated() {
      let styleA = Tensor(randomUniform: shape, in: 0...2, seed: UInt64(10 + l))
      let styleB = Tensor(randomUniform: [shape[0], 3, 7], in: 0...1, seed: UInt64(20 + l))
      losses.append(
        StyleLoss(styleFeatures: [styleA, styleB], blendWeights: [3, 1], weight: weights[l]))
      let ga = Self.referenceGram(Self.doubles(styleA), channels: shape[0])
      let gb = Self.referenceGram(Self.doubles(styleB), channels: shape[0])
      references.append((zip(ga, gb).map { 0.75 * $0 + 0.25 * $1 }, shape[0]))
    }
    let inputs = shapes.enumerated().map {
      Tensor(randomUniform: $1, in: 0...1, seed: UInt64(30 + $0))
    }
    // The total loss as a function of all activations, concatenated.
    let split = inputs[0].count
    func reference(_ x: [Double]) -> Double {
      let parts = [Array(x[..<split]), Array(x[split...])]
      return (0..<2).reduce(0) {
        $0
          + Self.referenceStyleLoss(
            parts[$1], channels: references[$1].channels, target: references[$1].target,
            weight: Double(weights[$1]))
      }
    }
    var value: Float = 0
    var gradient: [Float] = []
    for l in 0..<2 {
      let (v, g) = losses[l].valueAndGradient(inputs[l])
      value += v
      gradient += g.scalars
    }
    Self.expectMatches(
      "style loss", value: value, gradient: gradient, at: inputs.flatMap(Self.doubles), step: 1e-4,
      reference: reference)
  }

  @Test func styleLossIsZeroAtItsTargetAndAccumulatesIntoTheGivenGradient() {
    let features = Tensor(randomUniform: [4, 5, 6], seed: 3)
    let loss = StyleLoss(styleFeatures: [features], weight: 2)
    var gradient = Tensor(shape: [4, 5, 6], repeating: 1)
    let value = loss.valueAndGradient(features, accumulatingInto: &gradient)
    #expect(abs(value) < 1e-10)
    #expect(gradient.scalars.allSatisfy { abs($0 - 1) < 1e-6 })
  }

  // MARK: Content, total variation, temporal

  @Test func contentLossMatchesFiniteDifferences() {
    let target = Tensor(randomUniform: [4, 5, 6], seed: 4)
    let features = Tensor(randomUniform: [4, 5, 6], seed: 5)
    let loss = ContentLoss(target: target, weight: 5)
    let p = Self.doubles(target)
    func reference(_ x: [Double]) -> Double {
      5 * zip(x, p).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(x.count)
    }
    let (value, gradient) = loss.valueAndGradient(features)
    Self.expectMatches(
      "content", value: value, gradient: gradient.scalars, at: Self.doubles(features), step: 1e-4,
      reference: reference)
  }

  /// Mean over C*H*W of the squared right and down neighbour differences.
  static func referenceTotalVariation(_ x: [Double], shape: [Int]) -> Double {
    let (c, h, w) = (shape[0], shape[1], shape[2])
    func at(_ k: Int, _ i: Int, _ j: Int) -> Double { x[(k * h + i) * w + j] }
    var sum = 0.0
    for k in 0..<c {
      for i in 0..<h {
        for j in 0..<w {
          if j + 1 < w { sum += (at(k, i, j + 1) - at(k, i, j)) * (at(k, i, j + 1) - at(k, i, j)) }
          if i + 1 < h { sum += (at(k, i + 1, j) - at(k, i, j)) * (at(k, i + 1, j) - at(k, i, j)) }
        }
      }
    }
    return sum / Double(c * h * w)
  }

  @Test func totalVariationMatchesFiniteDifferences() {
    let image = Tensor(randomUniform: [3, 5, 6], in: 0...255, seed: 6)
    let tv = TotalVariation(weight: 0.01)
    func reference(_ x: [Double]) -> Double {
      0.01 * Self.referenceTotalVariation(x, shape: [3, 5, 6])
    }
    let (value, gradient) = tv.valueAndGradient(image)
    Self.expectMatches(
      "TV", value: value, gradient: gradient.scalars, at: Self.doubles(image), step: 1e-2,
      reference: reference)
  }

  @Test func totalVariationOfAConstantImageIsZero() {
    let (value, gradient) = TotalVariation().valueAndGradient(
      Tensor(shape: [3, 4, 4], repeating: 7))
    #expect(value == 0)
    #expect(gradient.scalars.allSatisfy { $0 == 0 })
  }

  @Test func temporalLossMatchesFiniteDifferences() {
    let warped = Tensor(randomUniform: [3, 5, 6], in: 0...255, seed: 7)
    let image = Tensor(randomUniform: [3, 5, 6], in: 0...255, seed: 8)
    // A mask with zeros (occlusions), ones and a smoothed fraction.
    let maskValues = (0..<30).map { Float([0, 1, 1, 0.4][$0 % 4]) }
    let loss = TemporalLoss(
      warped: warped, mask: Tensor(shape: [5, 6], scalars: maskValues), weight: 3)
    let target = Self.doubles(warped)
    func reference(_ x: [Double]) -> Double {
      var sum = 0.0
      for k in x.indices {
        sum += Double(maskValues[k % 30]) * (x[k] - target[k]) * (x[k] - target[k])
      }
      return 3 * sum / Double(x.count)
    }
    let (value, gradient) = loss.valueAndGradient(image)
    Self.expectMatches(
      "temporal", value: value, gradient: gradient.scalars, at: Self.doubles(image), step: 1e-2,
      reference: reference)
    #expect(
      gradient.scalars.enumerated().allSatisfy {
        maskValues[$0.offset % 30] != 0 || $0.element == 0
      })
  }
}
