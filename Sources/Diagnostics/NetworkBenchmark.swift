import Engine

/// Timing of one style-transfer iteration (VGG-19 forward to relu5_1, the style losses at
/// relu1_1 ... relu5_1 and the content loss at relu4_2, backward to the image) against the
/// matrix products it is made of.
public enum Benchmark {
  /// The layers a Gatys-style iteration captures: the style layers and relu4_2 for content.
  static let iterationTaps: Set<VGG19.Layer> = [
    .relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1, .relu4_2,
  ]

  /// One layer's best times (seconds) and the same products done as plain sgemm calls.
  struct LayerTiming: Sendable {
    /// The ReLU after the convolution; forward includes the pooling before it.
    var layer: VGG19.Layer
    /// (channels, height, width) of the activations.
    var shape: [Int]
    /// Direct-convolution FLOPs of one forward (`2 * H * W * inC * outC * 9`); backward is the same.
    var flops: Double
    var forwardSeconds: Double
    var backwardSeconds: Double
    /// One sgemm of (outC, 9 inC) x (9 inC, H W), and of (inC, 9 outC) x (9 outC, H W).
    var gemmForwardSeconds: Double
    var gemmBackwardSeconds: Double
  }

  /// The result for one image size (printed by `table`).
  public struct Result: Sendable {
    var height: Int
    var width: Int
    var layers: [LayerTiming]
    /// Best seconds for a whole forward + backward.
    var iterationSeconds: Double
    /// Best seconds of the reference network in the same rounds, if one was given.
    var referenceSeconds: Double?
    /// The loss and gradient of both networks, if a reference was given.
    var agreement: LossAgreement?
    /// FLOPs of one iteration (forward + backward of every convolution up to relu5_1).
    var iterationFlops: Double { layers.reduce(0) { $0 + 2 * $1.flops } }
    /// The sum of the sgemm times: what the iteration would take if only the products counted.
    var gemmBoundSeconds: Double {
      layers.reduce(0) { $0 + $1.gemmForwardSeconds + $1.gemmBackwardSeconds }
    }
  }

  /// Times `repeats` iterations of `network` at `height` x `width` and keeps the best of each
  /// measurement; then times the equivalent sgemm shapes, also best of `repeats`.
  ///
  /// With a `reference` network (the same weights computed another way), its iterations take
  /// turns with the network's and `LossAgreement` compares the two.
  public static func run(
    network: VGG19, reference: VGG19? = nil, height: Int, width: Int, repeats: Int
  ) -> Result {
    precondition(repeats >= 1, "repeats must be at least 1")
    let deepest = iterationTaps.max() ?? .relu5_1
    var rounds = Rounds(
      network: network, reference: reference, height: height, width: width, through: deepest)
    for _ in 0..<repeats { rounds.run() }
    let layers = VGG19.Layer.allCases[0...deepest.depth].map { layer in
      let (h, w) = VGG19.outputSize(of: layer, height: height, width: width)
      return LayerTiming(
        layer: layer, shape: [network.channels(at: layer), h, w],
        flops: network.flops(of: layer, height: height, width: width),
        forwardSeconds: rounds.bestForward[layer.depth],
        backwardSeconds: rounds.bestBackward[layer.depth],
        gemmForwardSeconds: rounds.bestGemm[2 * layer.depth],
        gemmBackwardSeconds: rounds.bestGemm[2 * layer.depth + 1])
    }
    return Result(
      height: height, width: width, layers: layers, iterationSeconds: rounds.bestIteration,
      referenceSeconds: reference == nil ? nil : rounds.bestReference,
      agreement: reference.map {
        LossAgreement(network: network, reference: $0, height: height, width: width)
      })
  }

  /// The measurements of `run` and the best time of each so far.
  ///
  /// Rounds interleave the network and the plain products, so a burst of load from other
  /// processes on the shared host hits one round of both rather than one side only.
  private struct Rounds {
    let network: VGG19
    let reference: VGG19?
    let image: Tensor
    var losses: FeatureLosses
    var referenceLosses: FeatureLosses?
    let products: GemmTimer
    var bestForward: [Double]
    var bestBackward: [Double]
    var bestGemm: [Double]
    var bestIteration = Double.infinity
    var bestReference = Double.infinity

    /// Builds the losses of both networks and runs each once (allocating their buffers).
    init(network: VGG19, reference: VGG19?, height: Int, width: Int, through deepest: VGG19.Layer)
    {
      (self.network, self.reference) = (network, reference)
      image = Tensor(randomUniform: [3, height, width], in: -120...150, seed: 1)
      losses = iterationLosses(on: network, height: height, width: width)
      _ = losses.evaluate(image, on: network)  // warm-up: allocates the buffers
      // The products of each convolution as single sgemm calls: forward (outC, 9 inC) x
      // (9 inC, HW), backward (inC, 9 outC) x (9 outC, HW).
      let shapes = VGG19.Layer.allCases[0...deepest.depth].flatMap {
        layer -> [(m: Int, k: Int, n: Int)] in
        let (h, w) = VGG19.outputSize(of: layer, height: height, width: width)
        let (inC, outC) = (network.inputChannels(at: layer), network.channels(at: layer))
        return [(outC, 9 * inC, h * w), (inC, 9 * outC, h * w)]
      }
      products = GemmTimer(shapes: shapes)
      bestForward = [Double](repeating: .infinity, count: deepest.depth + 1)
      bestBackward = bestForward
      bestGemm = [Double](repeating: .infinity, count: shapes.count)
      referenceLosses = reference.map { iterationLosses(on: $0, height: height, width: width) }
      if let reference { _ = referenceLosses?.evaluate(image, on: reference) }
    }

    /// One round: the reference's iteration, the network's with its layers timed, the products.
    mutating func run() {
      if let reference {
        let start = LayerProfile.now()
        _ = referenceLosses?.evaluate(image, on: reference)
        bestReference = min(bestReference, Double(LayerProfile.now() - start) * 1e-9)
      }
      let profile = LayerProfile()
      network.profile = profile
      let start = LayerProfile.now()
      _ = losses.evaluate(image, on: network)
      bestIteration = min(bestIteration, Double(LayerProfile.now() - start) * 1e-9)
      network.profile = nil
      for depth in bestForward.indices {
        bestForward[depth] = min(bestForward[depth], profile.forward[depth])
        bestBackward[depth] = min(bestBackward[depth], profile.backward[depth])
      }
      for index in bestGemm.indices {
        bestGemm[index] = min(bestGemm[index], products.seconds(index))
      }
    }
  }

  /// The losses of one iteration on `network`: style at the style taps and content at relu4_2
  /// (weights 100 and 5), towards the activations of `style` and `content`.
  static func iterationLosses(on network: VGG19, style: Tensor, content: Tensor) -> FeatureLosses {
    let styleLayers = iterationTaps.subtracting([.relu4_2])
    let styleTargets = network.forward(style, capturing: styleLayers)
    let contentTargets = network.forward(content, capturing: [.relu4_2])
    return FeatureLosses(
      style: styleTargets.mapValues { StyleLoss(styleFeatures: [$0], weight: 100) },
      content: contentTargets.mapValues { ContentLoss(target: $0, weight: 5) })
  }

  /// `iterationLosses` towards random images of that size.
  private static func iterationLosses(on network: VGG19, height: Int, width: Int)
    -> FeatureLosses
  {
    iterationLosses(
      on: network, style: Tensor(randomUniform: [3, height, width], in: -120...150, seed: 2),
      content: Tensor(randomUniform: [3, height, width], in: -120...150, seed: 3))
  }
}

/// Times single sgemm calls of given shapes on buffers sized for the largest.
private final class GemmTimer {
  let shapes: [(m: Int, k: Int, n: Int)]
  let a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>,
    c: UnsafeMutablePointer<Float>
  let sizes: (a: Int, b: Int, c: Int)

  init(shapes: [(m: Int, k: Int, n: Int)]) {
    self.shapes = shapes
    sizes = (
      shapes.map { $0.m * $0.k }.max() ?? 1, shapes.map { $0.k * $0.n }.max() ?? 1,
      shapes.map { $0.m * $0.n }.max() ?? 1
    )
    a = .allocate(capacity: sizes.a)
    b = .allocate(capacity: sizes.b)
    c = .allocate(capacity: sizes.c)
    var generator = SeededGenerator(seed: 5)
    for i in 0..<sizes.a { a[i] = Float.random(in: -1...1, using: &generator) }
    b.initialize(repeating: 0.5, count: sizes.b)
    c.initialize(repeating: 0, count: sizes.c)
  }

  deinit {
    a.deallocate()
    b.deallocate()
    c.deallocate()
  }

  /// The seconds of one product of shape `index`.
  func seconds(_ index: Int) -> Double {
    let (m, k, n) = shapes[index]
    let start = LayerProfile.now()
    gemm(a, b, into: c, m: m, n: n, k: k)
    return Double(LayerProfile.now() - start) * 1e-9
  }
}
