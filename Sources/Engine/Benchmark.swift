import Dispatch
import Foundation

/// Per-layer wall-clock seconds of `VGG19.forward`/`backward`, filled in when attached.
final class LayerProfile {
  private(set) var forward = [Double](repeating: 0, count: VGG19.Layer.allCases.count)
  private(set) var backward = [Double](repeating: 0, count: VGG19.Layer.allCases.count)
  private var last: UInt64 = 0

  static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

  func start() { last = Self.now() }

  func lap(forward layer: VGG19.Layer) { forward[layer.depth] += elapsed() }

  func lap(backward layer: VGG19.Layer) { backward[layer.depth] += elapsed() }

  private func elapsed() -> Double {
    let now = Self.now()
    defer { last = now }
    return Double(now - last) * 1e-9
  }
}

/// Timing of one style-transfer iteration (VGG-19 forward to relu5_1, the style losses at
/// relu1_1 ... relu5_1 and the content loss at relu4_2, backward to the image) against the
/// matrix products it is made of.
public enum Benchmark {
  /// The layers a Gatys-style iteration captures: the style layers and relu4_2 for content.
  public static let iterationTaps: Set<VGG19.Layer> = [
    .relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1, .relu4_2,
  ]

  /// One layer's best times (seconds) and the same products done as plain sgemm calls.
  public struct LayerTiming: Sendable {
    /// The ReLU after the convolution; forward includes the pooling before it.
    public var layer: VGG19.Layer
    /// (channels, height, width) of the activations.
    public var shape: [Int]
    /// Direct-convolution FLOPs of one forward (`2 * H * W * inC * outC * 9`); backward is the same.
    public var flops: Double
    public var forwardSeconds: Double
    public var backwardSeconds: Double
    /// One sgemm of (outC, 9 inC) x (9 inC, H W), and of (inC, 9 outC) x (9 outC, H W).
    public var gemmForwardSeconds: Double
    public var gemmBackwardSeconds: Double
  }

  /// The result for one image size.
  public struct Result: Sendable {
    public var height: Int
    public var width: Int
    public var layers: [LayerTiming]
    /// Best seconds for a whole forward + backward.
    public var iterationSeconds: Double
    /// Best seconds of the reference network in the same rounds, if one was given.
    public var referenceSeconds: Double?
    /// The loss and gradient of both networks, if a reference was given.
    public var agreement: LossAgreement?
    /// FLOPs of one iteration (forward + backward of every convolution up to relu5_1).
    public var iterationFlops: Double { layers.reduce(0) { $0 + 2 * $1.flops } }
    /// The sum of the sgemm times: what the iteration would take if only the products counted.
    public var gemmBoundSeconds: Double {
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
    let image = Tensor(randomUniform: [3, height, width], in: -120...150, seed: 1)
    let deepest = iterationTaps.max() ?? .relu5_1
    var losses = iterationLosses(on: network, height: height, width: width)
    _ = losses.evaluate(image, on: network)  // warm-up: allocates the buffers
    // The products of each convolution as single sgemm calls: forward (outC, 9 inC) x (9 inC, HW),
    // backward (inC, 9 outC) x (9 outC, HW).
    let shapes = VGG19.Layer.allCases[0...deepest.depth].flatMap {
      layer -> [(m: Int, k: Int, n: Int)] in
      let (h, w) = VGG19.outputSize(of: layer, height: height, width: width)
      let (inC, outC) = (network.convolutions[layer.depth].inChannels, network.channels(at: layer))
      return [(outC, 9 * inC, h * w), (inC, 9 * outC, h * w)]
    }
    let products = GemmTimer(shapes: shapes)
    // Rounds interleave the network and the plain products, so a burst of load from other
    // processes on the shared host hits one round of both rather than one side only.
    var bestForward = [Double](repeating: .infinity, count: deepest.depth + 1)
    var bestBackward = bestForward
    var bestGemm = [Double](repeating: .infinity, count: shapes.count)
    var bestIteration = Double.infinity
    var bestReference = Double.infinity
    var referenceLosses = reference.map { iterationLosses(on: $0, height: height, width: width) }
    if let reference { _ = referenceLosses?.evaluate(image, on: reference) }
    for _ in 0..<repeats {
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
      for index in shapes.indices {
        bestGemm[index] = min(bestGemm[index], products.seconds(index))
      }
    }
    var layers: [LayerTiming] = []
    for layer in VGG19.Layer.allCases[0...deepest.depth] {
      let (h, w) = VGG19.outputSize(of: layer, height: height, width: width)
      layers.append(
        LayerTiming(
          layer: layer, shape: [network.channels(at: layer), h, w],
          flops: network.flops(of: layer, height: height, width: width),
          forwardSeconds: bestForward[layer.depth], backwardSeconds: bestBackward[layer.depth],
          gemmForwardSeconds: bestGemm[2 * layer.depth],
          gemmBackwardSeconds: bestGemm[2 * layer.depth + 1]))
    }
    return Result(
      height: height, width: width, layers: layers, iterationSeconds: bestIteration,
      referenceSeconds: reference == nil ? nil : bestReference,
      agreement: reference.map {
        LossAgreement(network: network, reference: $0, height: height, width: width)
      })
  }

  /// Times single sgemm calls of given shapes on buffers sized for the largest.
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

    func seconds(_ index: Int) -> Double {
      let (m, k, n) = shapes[index]
      let start = LayerProfile.now()
      gemm(a, b, into: c, m: m, n: n, k: k)
      return Double(LayerProfile.now() - start) * 1e-9
    }
  }

  /// A plain-text table of `result`: per layer milliseconds and GFLOP/s, then the totals.
  public static func table(_ result: Result) -> String {
    func ms(_ seconds: Double) -> String { pad(String(format1(seconds * 1e3)), 8) }
    func rate(_ flops: Double, _ seconds: Double) -> String {
      pad(String(Int((flops / seconds / 1e9).rounded())), 6)
    }
    var lines = [
      "\(result.width)x\(result.height): one iteration = forward to relu5_1 + backward to the image",
      "layer    shape            fwd ms  GFLOP/s  gemm ms  bwd ms  GFLOP/s  gemm ms",
    ]
    for t in result.layers {
      let shape = t.shape.map(String.init).joined(separator: "x")
      lines.append(
        "\(t.layer.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
          + "\(shape.padding(toLength: 14, withPad: " ", startingAt: 0)) "
          + "\(ms(t.forwardSeconds)) \(rate(t.flops, t.forwardSeconds))   \(ms(t.gemmForwardSeconds)) "
          + "\(ms(t.backwardSeconds)) \(rate(t.flops, t.backwardSeconds))   \(ms(t.gemmBackwardSeconds))"
      )
    }
    let gflop = result.iterationFlops / 1e9
    lines.append(
      "iteration \(format3(result.iterationSeconds)) s, \(format1(gflop)) GFLOP, "
        + "\(Int((gflop / result.iterationSeconds).rounded())) GFLOP/s; sgemm on the same shapes "
        + "\(format3(result.gemmBoundSeconds)) s (\(Int((gflop / result.gemmBoundSeconds).rounded())) GFLOP/s); "
        + "ratio \(format2(result.iterationSeconds / result.gemmBoundSeconds))")
    if let reference = result.referenceSeconds {
      lines.append(
        "reference (direct convolution) in the same rounds \(format3(reference)) s, "
          + "\(Int((gflop / reference).rounded())) GFLOP/s: speed-up "
          + "\(format2(reference / result.iterationSeconds))x")
    }
    if let a = result.agreement {
      lines.append(
        String(
          format: "loss %.6g vs reference %.6g: relative difference %.2e; image gradient "
            + "|difference| / |reference| %.2e (Euclidean), %.2e (largest element)",
          a.loss, a.referenceLoss, a.lossRelativeDifference, a.gradientNormRelativeDifference,
          a.gradientRelativeDifference))
    }
    return lines.joined(separator: "\n")
  }

  private static func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
  }
  private static func format1(_ x: Double) -> String { String(format: "%.1f", x) }
  private static func format2(_ x: Double) -> String { String(format: "%.2f", x) }
  private static func format3(_ x: Double) -> String { String(format: "%.3f", x) }

  /// The names of the ways a convolution can be split into matrix products (for tuning).
  public static var convolutionStrategies: [String] { ConvolutionStrategy.allCases.map(\.rawValue) }

  /// Sets the convolution strategy and stripe size of networks created afterwards (tuning only).
  ///
  /// `strategy` applies to every convolution but the first forward and the last backward one;
  /// `stripeBudget` is the scratch elements per stripe.
  /// - Returns: false if `strategy` is not one of `convolutionStrategies`.
  public static func configure(strategy: String?, stripeBudget: Int?) -> Bool {
    if let strategy {
      guard let choice = ConvolutionStrategy(rawValue: strategy) else { return false }
      ConvolutionLayer.defaultStrategy = choice
    }
    if let stripeBudget { ShiftedConvolution.defaultStripeBudget = max(1, stripeBudget) }
    return true
  }

  /// Whether networks created afterwards use Winograd's algorithm where it pays (the default),
  /// or direct convolutions (shifted matrix products) everywhere, as a reference.
  public static func useWinograd(_ enabled: Bool) {
    ConvolutionLayer.winogradMinimumChannels = enabled ? 64 : Int.max
  }
}

/// The Gatys loss (style at relu1_1 ... relu5_1, content at relu4_2) of one image under two
/// networks, and their gradients with respect to the image: checks that a faster algorithm
/// computes the same thing.
public struct LossAgreement: Sendable {
  public var loss: Double
  public var referenceLoss: Double
  /// |loss - referenceLoss| / |referenceLoss|.
  public var lossRelativeDifference: Double
  /// max |g - g_ref| / max |g_ref| over the image gradient.
  public var gradientRelativeDifference: Double
  /// |g - g_ref| / |g_ref| in the Euclidean norm.
  public var gradientNormRelativeDifference: Double

  /// Evaluates both networks on a smooth random image against the Gram matrices and relu4_2 of
  /// another, in Double sums.
  init(network: VGG19, reference: VGG19, height: Int, width: Int) {
    let content = Self.smoothImage(height: height, width: width, seed: 31)
    let style = Self.smoothImage(height: height, width: width, seed: 32)
    let image = Self.smoothImage(height: height, width: width, seed: 33)
    func evaluate(_ vgg: VGG19) -> (Double, Tensor) {
      var losses = Benchmark.iterationLosses(on: vgg, style: style, content: content)
      let (styleValue, contentValue, gradient) = losses.evaluate(image, on: vgg)
      return (Double(styleValue) + Double(contentValue), gradient)
    }
    let (value, gradient) = evaluate(network)
    let (referenceValue, referenceGradient) = evaluate(reference)
    loss = value
    referenceLoss = referenceValue
    lossRelativeDifference = abs(value - referenceValue) / max(abs(referenceValue), 1e-30)
    let scale = referenceGradient.scalars.reduce(Float(0)) { max($0, abs($1)) }
    let difference = zip(gradient.scalars, referenceGradient.scalars).reduce(Float(0)) {
      max($0, abs($1.0 - $1.1))
    }
    gradientRelativeDifference = Double(difference / max(scale, .leastNormalMagnitude))
    let (squaredDifference, squaredNorm) = zip(gradient.scalars, referenceGradient.scalars).reduce(
      (0.0, 0.0)
    ) { sums, pair in
      let d = Double(pair.0) - Double(pair.1)
      return (sums.0 + d * d, sums.1 + Double(pair.1) * Double(pair.1))
    }
    gradientNormRelativeDifference = (squaredDifference / max(squaredNorm, 1e-300)).squareRoot()
  }

  /// A (3, H, W) image in VGG's range: random values blurred by repeated box filters, so that
  /// the activations look more like a photo's than white noise's.
  static func smoothImage(height: Int, width: Int, seed: UInt64) -> Tensor {
    var image = Tensor(randomUniform: [3, height, width], in: -120...150, seed: seed)
    for _ in 0..<3 {
      var blurred = image
      for c in 0..<3 {
        for y in 0..<height {
          for x in 0..<width {
            var sum: Float = 0
            var count: Float = 0
            for dy in -2...2 {
              for dx in -2...2 {
                let (sy, sx) = (y + dy, x + dx)
                guard sy >= 0, sy < height, sx >= 0, sx < width else { continue }
                sum += image.scalars[(c * height + sy) * width + sx]
                count += 1
              }
            }
            blurred.scalars[(c * height + y) * width + x] = sum / count
          }
        }
      }
      image = blurred
    }
    return image
  }
}
