import Engine

/// The Gatys loss (style at relu1_1 ... relu5_1, content at relu4_2) of one image under two
/// networks, and their gradients with respect to the image: checks that a faster algorithm
/// computes the same thing.
struct LossAgreement: Sendable {
  var loss: Double
  var referenceLoss: Double
  /// |loss - referenceLoss| / |referenceLoss|.
  var lossRelativeDifference: Double
  /// max |g - g_ref| / max |g_ref| over the image gradient.
  var gradientRelativeDifference: Double
  /// |g - g_ref| / |g_ref| in the Euclidean norm.
  var gradientNormRelativeDifference: Double

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
