import Testing

@testable import Engine

/// The textbook definition: seven nested loops, zero padding 1, stride 1, accumulated in Double.
// input (C, H, W); weights (O, C, 3, 3); output (O, H, W)
func directConvolution(_ input: Tensor, weights: [Float], bias: [Float]? = nil, outChannels: Int)
  -> Tensor
{
  let (c, h, w) = (input.shape[0], input.shape[1], input.shape[2])
  var output = Tensor(shape: [outChannels, h, w])
  for o in 0..<outChannels {
    for y in 0..<h {
      for x in 0..<w {
        var sum = Double(bias?[o] ?? 0)
        for i in 0..<c {
          for dy in 0..<3 {
            for dx in 0..<3 {
              let (sy, sx) = (y + dy - 1, x + dx - 1)
              guard (0..<h).contains(sy), (0..<w).contains(sx) else { continue }
              sum +=
                Double(weights[((o * c + i) * 3 + dy) * 3 + dx])
                * Double(input.scalars[(i * h + sy) * w + sx])
            }
          }
        }
        output.scalars[(o * h + y) * w + x] = Float(sum)
      }
    }
  }
  return output
}

/// Runs `kernel` on a tensor through padded planes, checking the zero border is kept.
func applyConvolution(_ kernel: ShiftedConvolution, _ input: Tensor, stripeBudget: Int = 1 << 21)
  -> Tensor
{
  let (h, w) = (input.shape[1], input.shape[2])
  let source = PaddedPlanes(channels: kernel.inChannels, height: h, width: w)
  source.load(input)
  let target = PaddedPlanes(channels: kernel.outChannels, height: h, width: w)
  kernel.apply(source, into: target, scratch: Scratch(), stripeBudget: stripeBudget)
  return target.tensor()
}

/// loss(x) = sum(r * conv(x)) on small random tensors: its gradient is the adjoint convolution
/// applied to r, so every adjoint (shifted or Winograd) is checked by finite differences of it.
struct AdjointLoss {
  // x (c, h, w); weights (o, c, 3, 3); r (o, h, w)
  let c = 3, o = 5, h = 7, w = 9
  let weights = Tensor(randomUniform: [5, 3, 3, 3], seed: 3).scalars
  let x = Tensor(randomUniform: [3, 7, 9], seed: 4)
  let r = Tensor(randomUniform: [5, 7, 9], seed: 5)

  /// Compares `analytic` (an adjoint applied to `r`) with central differences of the loss, the
  /// convolution computed by the direct definition.
  func check(_ analytic: [Float]) -> GradientCheck {
    GradientCheck(input: x.scalars, analytic: analytic) { scalars in
      dot(
        r.scalars,
        directConvolution(
          Tensor(shape: x.shape, scalars: scalars), weights: weights, outChannels: o
        ).scalars)
    }
  }
}

@Suite struct ConvolutionTests {
  static let shapes = [(3, 5, 7, 9), (5, 3, 9, 7), (4, 6, 1, 5), (6, 4, 8, 1), (2, 9, 13, 11)]

  @Test(arguments: ConvolutionStrategy.allCases)
  func matchesTheDirectConvolution(strategy: ConvolutionStrategy) {
    for (index, (c, o, h, w)) in Self.shapes.enumerated() {
      let input = Tensor(randomUniform: [c, h, w], seed: UInt64(index))
      let weights = Tensor(randomUniform: [o, c, 3, 3], seed: UInt64(100 + index)).scalars
      let expected = directConvolution(input, weights: weights, outChannels: o)
      let kernel = ShiftedConvolution(
        weights: weights, outChannels: o, inChannels: c, strategy: strategy)
      for budget in [1 << 21, 64] {  // one stripe, and stripes of 64 pixels
        let difference = maxAbsDifference(
          applyConvolution(kernel, input, stripeBudget: budget).scalars, expected.scalars)
        #expect(
          difference < 1e-5,
          "\(strategy) \(c)->\(o) on \(h)x\(w), budget \(budget): max abs diff \(difference)")
      }
    }
  }

  @Test func biasAndReLUMatchTheDirectDefinition() {
    let input = Tensor(randomUniform: [3, 7, 9], seed: 1)
    let weights = Tensor(randomUniform: [5, 3, 3, 3], seed: 2).scalars
    let bias: [Float] = [0.5, -0.5, 0.1, 0, -1]
    let layer = ConvolutionLayer(weights: weights, bias: bias, outChannels: 5, inChannels: 3)
    let source = PaddedPlanes(channels: 3, height: 7, width: 9)
    source.load(input)
    let target = PaddedPlanes(channels: 5, height: 7, width: 9)
    layer.forward(source, into: target, scratch: Scratch())
    let expected = directConvolution(input, weights: weights, bias: bias, outChannels: 5).scalars
      .map { max(0, $0) }
    #expect(maxAbsDifference(target.tensor().scalars, expected) < 1e-5)
    // The border stays zero, so the planes can feed the next convolution.
    let padded = Array(UnsafeBufferPointer(start: target.base, count: target.count))
    for c in 0..<5 {
      for y in 0..<9 {
        for x in 0..<11 where y == 0 || y == 8 || x == 0 || x == 10 {
          #expect(padded[c * target.planeStride + y * 11 + x] == 0)
        }
      }
    }
  }

  /// loss = sum(r * conv(x)); its gradient is the adjoint convolution of r.
  @Test(arguments: ConvolutionStrategy.allCases)
  func backwardMatchesFiniteDifferences(strategy: ConvolutionStrategy) {
    let loss = AdjointLoss()
    let adjoint = ShiftedConvolution(
      weights: ShiftedConvolution.adjointWeights(
        loss.weights, outChannels: loss.o, inChannels: loss.c),
      outChannels: loss.c, inChannels: loss.o, strategy: strategy)
    let check = loss.check(applyConvolution(adjoint, loss.r).scalars)
    print("gradient check ConvolutionTests \(strategy): \(check)")
    #expect(check.maxAbsDifference < 1e-3, "\(strategy): \(check)")
    #expect(check.maxRelativeDifference < 1e-3, "\(strategy): \(check)")
  }
}

/// The adjoint by its definition: input gradient (i, y, x) = sum over the outputs (o, y', x')
/// that pixel feeds, weight (o, i, dy, dx) times gradient (o, y', x'), with y = y' + dy - 1.
// gradient (O, H, W); weights (O, C, 3, 3); result (C, H, W)
func directAdjointConvolution(_ gradient: Tensor, weights: [Float], inChannels c: Int) -> Tensor {
  let (o, h, w) = (gradient.shape[0], gradient.shape[1], gradient.shape[2])
  var result = Tensor(shape: [c, h, w])
  for i in 0..<c {
    for y in 0..<h {
      for x in 0..<w {
        var sum = 0.0
        for k in 0..<o {
          for dy in 0..<3 {
            for dx in 0..<3 {
              let (ty, tx) = (y - dy + 1, x - dx + 1)
              guard (0..<h).contains(ty), (0..<w).contains(tx) else { continue }
              sum +=
                Double(weights[((k * c + i) * 3 + dy) * 3 + dx])
                * Double(gradient.scalars[(k * h + ty) * w + tx])
            }
          }
        }
        result.scalars[(i * h + y) * w + x] = Float(sum)
      }
    }
  }
  return result
}

@Suite struct ConvolutionLayerKernelChoiceTests {
  /// A layer wide enough for Winograd runs the shifted products on planes with few tiles and
  /// Winograd's on larger ones; either way forward (with bias and ReLU) and backward (through
  /// the ReLU) match the definitions.
  @Test(arguments: [(4, 8), (7, 5), (16, 16), (13, 23)])
  func smallAndLargePlanesMatchTheDefinitions(height: Int, width: Int) {
    let (c, o) = (64, 72)
    let weights = Tensor(randomUniform: [o, c, 3, 3], in: -0.1...0.1, seed: 11).scalars
    let bias = Tensor(randomUniform: [o], in: -0.2...0.2, seed: 12).scalars
    let layer = ConvolutionLayer(weights: weights, bias: bias, outChannels: o, inChannels: c)
    let tiles = ((height + 3) / 4) * ((width + 3) / 4)
    let kernels = layer.kernels(height: height, width: width)
    switch (kernels.forward, kernels.backward, tiles < ConvolutionLayer.winogradMinimumTiles) {
    case (.shifted, .shifted, true), (.winograd, .winogradAdjoint, false): break
    default: Issue.record("\(tiles) tiles: \(kernels.forward), \(kernels.backward)")
    }

    let input = Tensor(randomUniform: [c, height, width], seed: 13)
    let source = PaddedPlanes(channels: c, height: height, width: width)
    source.load(input)
    let activation = PaddedPlanes(channels: o, height: height, width: width)
    layer.forward(source, into: activation, scratch: Scratch())
    let expected = directConvolution(input, weights: weights, bias: bias, outChannels: o)
      .scalars.map { max(0, $0) }
    let scale = expected.map(abs).max() ?? 1
    let forwardError = maxAbsDifference(activation.tensor().scalars, expected) / scale
    #expect(forwardError < 1e-5, "\(height)x\(width) forward: \(forwardError)")

    let gradient = Tensor(randomUniform: [o, height, width], seed: 14)
    let masked = Tensor(
      shape: gradient.shape,
      scalars: zip(gradient.scalars, expected).map { $1 > 0 ? $0 : 0 })
    let gradientPlanes = PaddedPlanes(channels: o, height: height, width: width)
    gradientPlanes.load(gradient)
    let inputGradient = PaddedPlanes(channels: c, height: height, width: width)
    layer.backward(
      gradientPlanes, activation: activation, into: inputGradient, scratch: Scratch())
    let expectedGradient = directAdjointConvolution(masked, weights: weights, inChannels: c)
      .scalars
    let gradientScale = expectedGradient.map(abs).max() ?? 1
    let backwardError =
      maxAbsDifference(inputGradient.tensor().scalars, expectedGradient) / gradientScale
    #expect(backwardError < 1e-5, "\(height)x\(width) backward: \(backwardError)")
  }
}
