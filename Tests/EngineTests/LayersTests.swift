import Testing

@testable import Engine

/// Runs 2x2 pooling on a tensor through padded planes; returns the output and the planes'
/// backward for a given output gradient.
private func pool(_ kind: PoolingLayer.Kind, _ input: Tensor) -> (
  output: Tensor, backward: (Tensor) -> Tensor
) {
  let (c, h, w) = (input.shape[0], input.shape[1], input.shape[2])
  let source = PaddedPlanes(channels: c, height: h, width: w)
  source.load(input)
  let target = PaddedPlanes(channels: c, height: h / 2, width: w / 2)
  let choices = UnsafeMutablePointer<UInt8>.allocate(capacity: c * (h / 2) * (w / 2))
  let layer = PoolingLayer(kind: kind)
  layer.forward(source, into: target, choices: choices)
  let output = target.tensor()
  return (
    output,
    { gradient in
      defer { choices.deallocate() }
      target.zero()
      target.add(gradient)
      let inputGradient = PaddedPlanes(channels: c, height: h, width: w)
      layer.backward(target, into: inputGradient, choices: choices)
      return inputGradient.tensor()
    }
  )
}

/// Random values at least `gap` apart in every 2x2 window, so max pooling has no near-ties
/// and finite differences do not cross a kink.
private func spreadInput(_ shape: [Int], seed: UInt64) -> Tensor {
  var generator = SeededGenerator(seed: seed)
  let count = shape.reduce(1, *)
  let values = (0..<count).map { i in Float(i) * 0.05 }.shuffled(using: &generator)
  return Tensor(shape: shape, scalars: values)
}

@Suite struct LayersTests {
  @Test func reluBackwardMatchesFiniteDifferences() {
    let (c, h, w) = (4, 5, 7)
    // Values at least 0.05 away from the kink, checked with steps of 0.01.
    var x = spreadInput([c, h, w], seed: 1)
    x.scalars = x.scalars.map { $0 - 3.51 }
    let bias: [Float] = [0, 0.2, -0.2, 0]
    let r = Tensor(randomUniform: [c, h, w], seed: 2)
    func forward(_ scalars: [Float]) -> PaddedPlanes {
      let planes = PaddedPlanes(channels: c, height: h, width: w)
      planes.load(Tensor(shape: [c, h, w], scalars: scalars))
      biasReLUForward(planes, bias: bias)
      return planes
    }
    let activation = forward(x.scalars)
    let gradient = PaddedPlanes(channels: c, height: h, width: w)
    gradient.add(r)
    reluBackward(gradient, activation: activation)
    let check = GradientCheck(input: x.scalars, analytic: gradient.tensor().scalars) {
      dot(r.scalars, forward($0).tensor().scalars)
    }
    print("gradient check LayersTests \(check)")
    #expect(check.maxAbsDifference < 1e-4, "\(check)")
    // Bias and ReLU forward against the definition.
    let expected = (0..<(c * h * w)).map { max(0, x.scalars[$0] + bias[$0 / (h * w)]) }
    #expect(maxAbsDifference(activation.tensor().scalars, expected) == 0)
  }

  @Test(arguments: [PoolingLayer.Kind.max, .average])
  func poolingForwardMatchesTheDefinition(kind: PoolingLayer.Kind) {
    // Odd: the last row and column are dropped. 37 wide: two groups of eight windows (the
    // vectorised loop) and a remainder.
    for (c, h, w) in [(3, 7, 9), (2, 5, 37)] {
      let input = Tensor(randomUniform: [c, h, w], seed: 3)
      let (output, _) = pool(kind, input)
      let (oh, ow) = (h / 2, w / 2)
      #expect(output.shape == [c, oh, ow])
      for c in 0..<c {
        for y in 0..<oh {
          for x in 0..<ow {
            let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map {
              input.scalars[(c * h + 2 * y + $0) * w + 2 * x + $1]
            }
            let expected = kind == .max ? window.max() ?? 0 : window.reduce(0, +) / 4
            #expect(abs(output.scalars[(c * oh + y) * ow + x] - expected) < 1e-6)
          }
        }
      }
    }
  }

  @Test(arguments: [PoolingLayer.Kind.max, .average])
  func poolingBackwardMatchesFiniteDifferences(kind: PoolingLayer.Kind) {
    for (c, h, w) in [(3, 7, 9), (2, 5, 37)] {  // 37: the vectorised loop and a remainder
      let shape = [c, h, w]
      let x = spreadInput(shape, seed: 4)
      let r = Tensor(randomUniform: [c, h / 2, w / 2], seed: 5)
      let analytic = pool(kind, x).backward(r)
      let check = GradientCheck(input: x.scalars, analytic: analytic.scalars) { scalars in
        dot(r.scalars, pool(kind, Tensor(shape: shape, scalars: scalars)).output.scalars)
      }
      print("gradient check LayersTests \(kind) \(shape): \(check)")
      #expect(check.maxAbsDifference < 1e-4, "\(kind): \(check)")
      // The dropped last row and column get exactly zero.
      for c in 0..<c {
        for y in 0..<h {
          for x in 0..<w where y == h - 1 || x == w - 1 {
            #expect(analytic.scalars[(c * h + y) * w + x] == 0)
          }
        }
      }
    }
  }
}
