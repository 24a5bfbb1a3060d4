import Foundation
import Testing

@testable import Engine

@Suite struct VGG19Tests {
  @Test func layerNamesAndOrder() {
    let names = VGG19.Layer.allCases.map(\.rawValue)
    #expect(
      names == [
        "relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1", "relu3_2", "relu3_3", "relu3_4",
        "relu4_1", "relu4_2", "relu4_3", "relu4_4", "relu5_1", "relu5_2", "relu5_3", "relu5_4",
      ])
    #expect(VGG19.Layer.relu1_2 < .relu2_1 && VGG19.Layer.relu4_2 > .relu4_1)
    #expect([VGG19.Layer.relu5_1, .relu1_1, .relu4_2].max() == .relu5_1)
    #expect(VGG19.Layer.relu3_4.convolutionName == "block3_conv4")
    #expect(
      VGG19.Layer.allCases.filter(\.followsPooling) == [.relu2_1, .relu3_1, .relu4_1, .relu5_1])
  }

  @Test func outputShapesForAnOddSize() {
    let vgg = VGG19(randomWeightsSeed: 1, widthDivisor: 16)
    let image = Tensor(randomUniform: [3, 37, 45], in: -100...100, seed: 2)
    let taps = vgg.forward(image, capturing: Set(VGG19.Layer.allCases))
    let sizes = [(37, 45), (18, 22), (9, 11), (4, 5), (2, 2)]
    let channels = [4, 8, 16, 32, 32]
    for layer in VGG19.Layer.allCases {
      let (h, w) = sizes[layer.block - 1]
      #expect(taps[layer]?.shape == [channels[layer.block - 1], h, w], "\(layer)")
    }
    #expect(vgg.channels(at: .relu4_2) == 32)
    #expect(VGG19(randomWeightsSeed: 1).channels(at: .relu3_1) == 256)
  }

  /// 16x17 is the smallest size that reaches block 5 (1x1 there); the backward must still work.
  @Test func smallestImageReachesTheLastLayer() {
    let vgg = VGG19(randomWeightsSeed: 5, pooling: .average, widthDivisor: 8)
    let taps = vgg.forward(
      Tensor(randomUniform: [3, 16, 17], in: -100...100, seed: 6), capturing: [.relu5_4])
    #expect(taps[.relu5_4]?.shape == [64, 1, 1])
    let gradient = vgg.backward(gradients: [.relu5_4: Tensor(shape: [64, 1, 1], repeating: 1)])
    #expect(gradient.shape == [3, 16, 17] && gradient.scalars.allSatisfy(\.isFinite))
  }

  /// Tap tensors are reused between passes, but only when the caller let go of them.
  @Test func capturedActivationsKeepTheirValues() {
    let vgg = VGG19(randomWeightsSeed: 3, widthDivisor: 16)
    let first = vgg.forward(Tensor(randomUniform: [3, 12, 10], seed: 1), capturing: [.relu2_1])
    let kept = first[.relu2_1]
    let second = vgg.forward(Tensor(randomUniform: [3, 12, 10], seed: 2), capturing: [.relu2_1])
    #expect(first[.relu2_1] == kept)
    #expect(second[.relu2_1] != kept)
    let again = vgg.forward(Tensor(randomUniform: [3, 12, 10], seed: 1), capturing: [.relu2_1])
    #expect(again[.relu2_1] == kept)
  }

  /// Style transfer evaluates its losses on the activations where the network left them and adds
  /// their gradients inside the backward pass, whose gradient buffers are shared between layers
  /// (stale borders included). That must agree with losses on copied activations, from fresh
  /// zero-bordered planes, fed to `backward(gradients:)`.
  @Test func lossesOnTheActivationsInPlaceMatchLossesOnCopies() {
    let vgg = VGG19(randomWeightsSeed: 7, widthDivisor: 16)
    let image = Tensor(randomUniform: [3, 29, 23], in: -100...100, seed: 8)
    let style = Tensor(randomUniform: [3, 25, 27], in: -100...100, seed: 9)
    let styleLayers: [VGG19.Layer] = [.relu1_1, .relu2_1, .relu3_1, .relu4_1]
    let targets = vgg.forward(style, capturing: Set(styleLayers))
    let contentTarget = vgg.forward(
      Tensor(randomUniform: [3, 29, 23], in: -100...100, seed: 10), capturing: [.relu2_1])
    var styleLosses = targets.mapValues { StyleLoss(styleFeatures: [$0], weight: 100) }
    let content = ContentLoss(target: contentTarget[.relu2_1]!, weight: 5)
    // Copies: one gradient tensor per layer.
    var copiedValue: Float = 0
    var tapGradients: [VGG19.Layer: Tensor] = [:]
    for (layer, features) in vgg.forward(image, capturing: Set(styleLayers)) {
      var gradient = Tensor(shape: features.shape)
      copiedValue += styleLosses[layer]!.valueAndGradient(features, accumulatingInto: &gradient)
      if layer == .relu2_1 {
        copiedValue += content.valueAndGradient(features, accumulatingInto: &gradient)
      }
      tapGradients[layer] = gradient
    }
    let copied = vgg.backward(gradients: tapGradients)
    // In place, after a pass on another image so that every buffer holds stale values.
    vgg.run(Tensor(randomUniform: [3, 29, 23], seed: 11), through: .relu4_1)
    var inPlace = Tensor(shape: [3, 29, 23], repeating: 7)  // reused, overwritten
    vgg.backward(through: .relu4_1, into: &inPlace) { _, _, gradient in
      gradient.add(Tensor(shape: [gradient.channels, gradient.height, gradient.width], repeating: 3))
    }
    vgg.run(image, through: .relu4_1)
    var inPlaceValue: Float = 0
    for layer in styleLayers {
      inPlaceValue += styleLosses[layer]!.value(at: vgg.activations(at: layer))
    }
    inPlaceValue += content.value(at: vgg.activations(at: .relu2_1))
    vgg.backward(through: .relu4_1, into: &inPlace) { layer, features, gradient in
      styleLosses[layer]?.addGradient(at: features, to: gradient)
      if layer == .relu2_1 { content.addGradient(at: features, to: gradient) }
    }
    #expect(relativeError(inPlaceValue, Double(copiedValue)) < 1e-5)
    let error = relativeError(inPlace.scalars, copied.scalars.map(Double.init))
    #expect(error < 1e-5, "gradient relative difference \(error)")
  }

  @Test func forwardStopsAtTheDeepestRequestedLayer() {
    let vgg = VGG19(randomWeightsSeed: 1, widthDivisor: 16)
    let taps = vgg.forward(
      Tensor(randomUniform: [3, 16, 16], seed: 3), capturing: [.relu2_1, .relu1_1])
    #expect(Set(taps.keys) == [.relu1_1, .relu2_1])
    #expect(vgg.deepestComputedLayer == .relu2_1)
  }

  /// Compares backward with central differences of loss = sum over taps of r_l * F_l(x),
  /// taken on a Double re-implementation of the network (direct loops) with a step of 1e-6.
  ///
  /// A small random VGG, a sample of pixels. Shallow: conv, conv, pool, conv, conv, pool, conv
  /// on 11x13; deep: all five blocks on 35x37 (odd at every level). The small step keeps the
  /// differences from straddling ReLU and max-pooling kinks, which a Float step of 1e-3 does
  /// for a few pixels behind a near-tie in the deep max pools.
  @Test(arguments: [
    (VGG19.Pooling.max, [VGG19.Layer.relu1_1, .relu2_1, .relu3_1], 11, 13),
    (.average, [.relu1_1, .relu2_1, .relu3_1], 11, 13),
    (.max, [.relu1_2, .relu4_2, .relu5_1], 35, 37),
    (.average, [.relu3_1, .relu5_4], 35, 37),
  ])
  func backwardMatchesFiniteDifferences(
    pooling: VGG19.Pooling, layers: [VGG19.Layer], height: Int, width: Int
  ) {
    let vgg = VGG19(randomWeightsSeed: 7, pooling: pooling, widthDivisor: 16)
    let image = Tensor(randomUniform: [3, height, width], seed: 8)
    let taps = vgg.forward(image, capturing: Set(layers))
    let directions = Dictionary(
      uniqueKeysWithValues: layers.sorted().enumerated().map { index, layer in
        (layer, Tensor(randomUniform: taps[layer]?.shape ?? [], seed: 10 + UInt64(index)))
      })
    let analytic = vgg.backward(gradients: directions)
    #expect(analytic.shape == image.shape)
    let check = GradientCheck(
      input: image.scalars.map(Double.init), analytic: analytic.scalars, epsilon: 1e-6,
      samples: 101
    ) { scalars in
      let out = referenceForward(vgg, image: scalars, height: height, width: width, layers: layers)
      return directions.reduce(0.0) { sum, entry in
        sum
          + zip(entry.value.scalars, out[entry.key] ?? []).reduce(0.0) { $0 + Double($1.0) * $1.1 }
      }
    }
    print("gradient check VGG19Tests \(pooling) \(layers) \(height)x\(width): \(check)")
    #expect(check.maxAbsDifference < 1e-4 * check.maxMagnitude, "\(pooling): \(check)")
    // The forward pass against the same reference.
    let reference = referenceForward(
      vgg, image: image.scalars.map(Double.init), height: height, width: width, layers: layers)
    for layer in layers {
      let expected = (reference[layer] ?? []).map { Float($0) }
      let scale = expected.map(abs).max() ?? 1
      let difference = maxAbsDifference(taps[layer]?.scalars ?? [], expected)
      #expect(
        difference < 1e-5 * scale, "\(layer): forward max abs diff \(difference), scale \(scale)")
    }
  }

  @Test func gradientsAtSeveralTapsAddUp() {
    let vgg = VGG19(randomWeightsSeed: 11, widthDivisor: 16)
    let image = Tensor(randomUniform: [3, 20, 17], seed: 12)
    let taps = vgg.forward(image, capturing: [.relu1_2, .relu3_2])
    let a = [VGG19.Layer.relu1_2: Tensor(randomUniform: taps[.relu1_2]?.shape ?? [], seed: 13)]
    let b = [VGG19.Layer.relu3_2: Tensor(randomUniform: taps[.relu3_2]?.shape ?? [], seed: 14)]
    let both = vgg.backward(gradients: a.merging(b) { x, _ in x })
    let sum = zip(vgg.backward(gradients: a).scalars, vgg.backward(gradients: b).scalars).map(+)
    #expect(maxAbsDifference(both.scalars, sum) < 1e-4)
    // Repeating a pass gives the same result (buffers are reused, not accumulated).
    _ = vgg.forward(image, capturing: [.relu1_2, .relu3_2])
    #expect(vgg.backward(gradients: a.merging(b) { x, _ in x }) == both)
  }
}

@Suite struct VGG19RealWeightsTests {
  /// relu1_1 and relu1_2 of the loaded network against the direct convolution with the
  /// dequantised weights: checks the OIHW layout and the bias all the way through.
  @Test func firstLayersMatchTheDirectConvolution() throws {
    let path = VGG19.defaultWeightsPath()
    guard FileManager.default.fileExists(atPath: path) else {
      Issue.record(
        "VGG-19 weights missing at \(path): run `make weights` or `scripts/fetch-weights.sh`")
      return
    }
    let start = Date()
    let vgg = try VGG19(weightsAt: path)
    print("VGG19 weights loaded and verified in \(Date().timeIntervalSince(start)) s")
    let image = Tensor(randomUniform: [3, 9, 11], in: -120...150, seed: 21)
    let taps = vgg.forward(image, capturing: [.relu1_1, .relu1_2])
    let first = vgg.convolutions[0], second = vgg.convolutions[1]
    let relu1_1 = directConvolution(
      image, weights: first.weights, bias: first.bias, outChannels: 64)
    let expected1 = relu1_1.scalars.map { max(0, $0) }
    let expected2 = directConvolution(
      Tensor(shape: relu1_1.shape, scalars: expected1), weights: second.weights, bias: second.bias,
      outChannels: 64
    ).scalars.map { max(0, $0) }
    let scale = expected2.map(abs).max() ?? 1
    #expect(maxAbsDifference(taps[.relu1_1]?.scalars ?? [], expected1) < 1e-3)
    #expect(maxAbsDifference(taps[.relu1_2]?.scalars ?? [], expected2) < 1e-5 * scale)
    #expect(expected1.contains { $0 > 0 } && expected2.contains { $0 > 0 })
  }
}

/// VGG-19 in Double with direct loops: the reference for the gradient checks.
///
/// Returns the activations at `layers`, each (C, H', W') row-major.
func referenceForward(
  _ vgg: VGG19, image: [Double], height: Int, width: Int, layers: [VGG19.Layer]
) -> [VGG19.Layer: [Double]] {
  var (x, c, h, w) = (image, 3, height, width)
  var taps: [VGG19.Layer: [Double]] = [:]
  for layer in VGG19.Layer.allCases[0...(layers.max()?.depth ?? 0)] {
    if layer.followsPooling {  // 2x2, stride 2, floor
      let (ph, pw) = (h / 2, w / 2)
      var pooled = [Double](repeating: 0, count: c * ph * pw)
      for i in 0..<c {
        for y in 0..<ph {
          for z in 0..<pw {
            let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map {
              x[(i * h + 2 * y + $0) * w + 2 * z + $1]
            }
            pooled[(i * ph + y) * pw + z] =
              vgg.pooling == .max ? (window.max() ?? 0) : window.reduce(0, +) / 4
          }
        }
      }
      (x, h, w) = (pooled, ph, pw)
    }
    let convolution = vgg.convolutions[layer.depth]
    let o = convolution.outChannels
    var y = [Double](repeating: 0, count: o * h * w)
    for k in 0..<o {
      for r in 0..<h {
        for s in 0..<w {
          var sum = Double(convolution.bias[k])
          for i in 0..<c {
            for dy in 0..<3 where (0..<h).contains(r + dy - 1) {
              for dx in 0..<3 where (0..<w).contains(s + dx - 1) {
                sum +=
                  Double(convolution.weights[((k * c + i) * 3 + dy) * 3 + dx])
                  * x[(i * h + r + dy - 1) * w + s + dx - 1]
              }
            }
          }
          y[(k * h + r) * w + s] = max(0, sum)
        }
      }
    }
    (x, c) = (y, o)
    if layers.contains(layer) { taps[layer] = x }
  }
  return taps
}
