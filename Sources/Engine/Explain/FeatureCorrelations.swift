import Foundation

// What the two losses of Gatys et al. compare at one layer, as numbers and pictures: the raw
// activations F (content: what is where) and the Gram matrix G = F F^T / (C*N) (style: which
// features occur together, summed over all positions).

/// One image's activations at one VGG-19 layer and their Gram matrix, for explaining style.
public struct FeatureCorrelations: Sendable {
  /// The layer.
  public let layer: VGG19.Layer
  /// The activations F, (C, H', W'): one map per channel.
  let activations: Tensor
  /// The Gram matrix G = F F^T / (C*N), (C, C), N = H'*W': entry (i, j) is the mean over the
  /// positions of channel i times channel j, divided by C (as the style loss uses it).
  public let gram: Tensor

  /// The activations and Gram matrices of `image` at `layers`, from one forward pass.
  public static func measure(_ image: Image, at layers: [VGG19.Layer], network: VGG19)
    -> [VGG19.Layer: FeatureCorrelations]
  {
    network.forward(image.preprocessed(), capturing: Set(layers)).reduce(into: [:]) {
      $0[$1.key] = FeatureCorrelations(layer: $1.key, activations: $1.value)
    }
  }

  init(layer: VGG19.Layer, activations: Tensor) {
    self.layer = layer
    self.activations = activations
    self.gram = gramMatrix(activations)
  }

  private var channels: Int { activations.shape[0] }

  /// The channels by their diagonal entry G_ii (how strongly each fires), strongest first.
  var channelsByStrength: [Int] {
    (0..<channels).sorted { gram.scalars[$0 * channels + $0] > gram.scalars[$1 * channels + $1] }
  }

  /// The two different channels with the largest entry G_ij: the pair that fires together most.
  public var strongestPair: (first: Int, second: Int) {
    var best = (first: 0, second: min(1, channels - 1))
    for i in 0..<channels {
      for j in (i + 1)..<channels
      where gram.scalars[i * channels + j] > gram.scalars[best.first * channels + best.second] {
        best = (i, j)
      }
    }
    return best
  }

  /// How far these features are from `reference`'s: |a - b| / |b| (Frobenius norms), for the
  /// activations and for the Gram matrices. Both must be of images of the same size.
  public func relativeDistance(to reference: FeatureCorrelations) -> (
    activations: Float, gram: Float
  ) {
    precondition(
      activations.shape == reference.activations.shape,
      "activations \(activations.shape) and \(reference.activations.shape) differ in shape")
    func distance(_ a: [Float], _ b: [Float]) -> Float {
      var (difference, norm): (Double, Double) = (0, 0)
      for (x, y) in zip(a, b) {
        difference += Double(x - y) * Double(x - y)
        norm += Double(y) * Double(y)
      }
      return Float((difference / max(norm, .leastNormalMagnitude)).squareRoot())
    }
    return (
      distance(activations.scalars, reference.activations.scalars),
      distance(gram.scalars, reference.gram.scalars)
    )
  }

  /// The Gram matrix as a heat map, about `side` px square: channels in the order of
  /// `channelsByStrength` (so the strong pairs gather top left), each entry a square of
  /// side / C px (at least 1), on a viridis-like scale over `decades` powers of ten: yellow is
  /// the largest entry, dark purple 10^-decades of it or less. A few entries dwarf the rest, so
  /// a linear (or square-root) scale would show one bright corner and little else.
  public func gramPicture(side: Int = 512, decades: Float = 3) -> Image {
    let order = channelsByStrength
    let cell = max(1, side / channels)
    let size = channels * cell
    let largest = max(gram.scalars.max() ?? 0, .leastNormalMagnitude)
    // gram (C, C) → pixels (3, size, size), rows and columns permuted by `order`
    var scalars = [Float](repeating: 0, count: 3 * size * size)
    for row in 0..<channels {
      for column in 0..<channels {
        let value = gram.scalars[order[row] * channels + order[column]]
        let color = viridis(1 + log10(max(value, 0) / largest) / decades)
        for y in (row * cell)..<((row + 1) * cell) {
          for x in (column * cell)..<((column + 1) * cell) {
            scalars[y * size + x] = color.red
            scalars[(size + y) * size + x] = color.green
            scalars[(2 * size + y) * size + x] = color.blue
          }
        }
      }
    }
    return Image(pixels: Tensor(shape: [3, size, size], scalars: scalars))
  }

  /// Where channels `pair` both fire in `image` (the picture these activations came from): the
  /// product of their maps, F_i * F_j, scaled to its maximum, upsampled to the image and laid
  /// over a dimmed grey copy of it, opaque and yellow where the product is largest.
  public func coactivationPicture(_ pair: (first: Int, second: Int), over image: Image) -> Image {
    let (height, width) = (activations.shape[1], activations.shape[2])
    let plane = height * width
    // F (C, H', W'): product map P (H', W') = F_i * F_j
    var product = (0..<plane).map {
      activations.scalars[pair.first * plane + $0] * activations.scalars[pair.second * plane + $0]
    }
    let largest = max(product.max() ?? 0, .leastNormalMagnitude)
    product = product.map { $0 / largest }
    // Upsampled bilinearly by the image resampler, the map copied into all three channels.
    let upsampled = Image(
      pixels: Tensor(shape: [3, height, width], scalars: product + product + product)
    ).resized(width: image.width, height: image.height).pixels.scalars
    let pixels = image.width * image.height
    var scalars = [Float](repeating: 0, count: 3 * pixels)
    for p in 0..<pixels {
      let grey =
        0.299 * image.pixels.scalars[p] + 0.587 * image.pixels.scalars[pixels + p]
        + 0.114 * image.pixels.scalars[2 * pixels + p]
      let alpha = min(max(upsampled[p], 0), 1)
      let color = viridis(alpha)
      for (c, value) in [color.red, color.green, color.blue].enumerated() {
        scalars[c * pixels + p] = (1 - alpha) * 0.4 * grey + alpha * value
      }
    }
    return Image(pixels: Tensor(shape: image.pixels.shape, scalars: scalars))
  }
}
