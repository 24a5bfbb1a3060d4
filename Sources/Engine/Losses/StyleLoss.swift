// Style loss of Gatys, Ecker & Bethge 2016, "Image Style Transfer Using Convolutional Neural
// Networks" (CVPR), eq. 3-6, with the normalisation of jcjohnson/neural-style.
//
// Normalisation and resolution. With F (C, N), N = H*W, the Gram matrix here is
// G = F F^T / (C*N): each entry is a per-pixel average of channel products, an intensive quantity
// that does not grow with the image. The layer loss is a mean over the C*C entries,
// E = w * mean((G - A)^2), so for the same picture at a different size E stays about the same,
// and one style weight means the same style strength at 256 px and at 1024 px. Its gradient,
// dE/dF = (4 w / (C^2 * C*N)) (G - A) F, scales as 1/N per activation, exactly like the gradient of
// the mean-squared content loss (2 / (C*N)) (F - P) and of the mean total variation; the balance
// between the terms therefore does not depend on resolution, only the overall gradient scale
// does, and L-BFGS (its first step is 1/|g|_1, then s'y/y'y scaling) and Adam (per-element
// normalisation) are both invariant to that overall scale. The paper's own form, G = F F^T and
// E = sum (G - A)^2 / (4 C^2 N^2), is also size-independent and equals ours times C^2 / 4, which
// weights deep (C = 512) layers 64x more than shallow (C = 64) ones for the same w.

/// The Gram matrix G = F F^T / (C*N) of activations F (C, H, W), N = H*W, as a (C, C) tensor.
func gramMatrix(_ features: Tensor) -> Tensor {
  let channels = features.shape[0]
  var gram = [Float](repeating: 0, count: channels * channels)
  gramMatrix(features, into: &gram)
  return Tensor(shape: [channels, channels], scalars: gram)
}

/// Writes the Gram matrix G = F F^T / (C*N) of `features` (C, H, W) into `gram` (C*C values).
func gramMatrix(_ features: Tensor, into gram: inout [Float]) {
  precondition(
    features.shape.count == 3, "Gram matrix needs (C, H, W) features, got \(features.shape)")
  let channels = features.shape[0]
  let pixels = features.shape[1] * features.shape[2]
  precondition(
    gram.count == channels * channels, "Gram buffer must hold C*C = \(channels * channels)")
  // F (C, N); G (C, C) = F F^T / (C*N)
  features.scalars.withUnsafeBufferPointer { f in
    gram.withUnsafeMutableBufferPointer { g in
      guard let f = f.baseAddress, let g = g.baseAddress else { return }
      gemm(
        f, f, transposeB: true, into: g, m: channels, n: channels, k: pixels,
        alpha: 1 / Float(channels * pixels))
    }
  }
}

/// The style loss at one layer: `weight * mean((G - A)^2)` over the C*C entries of the Gram matrices.
///
/// The style loss of an image is the sum of one `StyleLoss` per style layer, each evaluated on
/// that layer's activations; with several style images the target is their blended Gram matrix.
package struct StyleLoss: ActivationLoss {
  /// The target Gram matrix A (C, C).
  let target: Tensor
  /// The layer weight w_l.
  ///
  /// neural-style gives every style layer the full style weight (1e2 by default with content
  /// weight 5), so the style term grows with the number of layers.
  var weight: Float
  /// Scratch (C, C): G, then G - A.
  private var difference: [Float]

  /// Creates the loss for a target Gram matrix (C, C).
  init(target: Tensor, weight: Float = 1) {
    precondition(
      target.shape.count == 2 && target.shape[0] == target.shape[1],
      "a style target must be a square (C, C) Gram matrix, got \(target.shape)")
    self.target = target
    self.weight = weight
    self.difference = [Float](repeating: 0, count: target.count)
  }

  /// Creates the loss whose target blends the styles of several images at this layer.
  ///
  /// A = sum_k b_k G(F_k) with `blendWeights` b normalised to sum 1 (equal weights if `nil`);
  /// `styleFeatures` are the style images' activations (C, H_k, W_k), sizes may differ.
  package init(styleFeatures: [Tensor], blendWeights: [Float]? = nil, weight: Float = 1) {
    precondition(!styleFeatures.isEmpty, "a style loss needs at least one style image")
    let blend = blendWeights ?? [Float](repeating: 1, count: styleFeatures.count)
    precondition(blend.count == styleFeatures.count, "one blend weight per style image")
    let total = blend.reduce(0, +)
    precondition(total > 0 && blend.allSatisfy { $0 >= 0 }, "blend weights must be >= 0, sum > 0")
    let channels = styleFeatures[0].shape[0]
    var target = [Float](repeating: 0, count: channels * channels)
    for (features, b) in zip(styleFeatures, blend) {
      precondition(features.shape[0] == channels, "style images disagree on the channel count")
      let gram = gramMatrix(features)
      for i in target.indices { target[i] += (b / total) * gram.scalars[i] }
    }
    self.init(target: Tensor(shape: [channels, channels], scalars: target), weight: weight)
  }

  /// The loss at the activations F in the interior of `features` (whose border is zero); keeps
  /// G - A for `addGradient(at:to:)`. Allocates nothing: G lives in this loss's scratch buffer.
  ///
  /// E = w/C^2 sum_ij (G_ij - A_ij)^2 with G = F F^T / (C*N).
  mutating func value(at features: PaddedPlanes) -> Float {
    let channels = features.channels
    precondition(
      channels * channels == target.count,
      "style target is \(target.shape) but features have \(channels) channels")
    // F (C, P) with P = (H+2)(W+2): the zero borders add nothing. G (C, C) = F F^T / (C*N)
    difference.withUnsafeMutableBufferPointer { g in
      guard let g = g.baseAddress else { return }
      gemm(
        features.base, features.base, transposeB: true, into: g, m: channels, n: channels,
        k: features.planeStride, alpha: 1 / Float(channels * features.height * features.width))
    }
    var sum: Double = 0
    for i in difference.indices {
      difference[i] -= target.scalars[i]
      sum += Double(difference[i]) * Double(difference[i])
    }
    return weight * Float(sum / Double(channels * channels))
  }

  /// Adds dE/dF at the activations of the last `value(at:)` to the planes of `gradient`.
  ///
  /// dE/dG = 2w (G - A) / C^2 and, G - A being symmetric, dE/dF = (dE/dG + dE/dG^T) F / (C*N)
  /// = 4w (G - A) F / (C^3 N). On the border it adds zero (F is zero there).
  func addGradient(at features: PaddedPlanes, to gradient: PaddedPlanes) {
    let channels = features.channels
    precondition(
      gradient.channels == channels && gradient.planeStride == features.planeStride,
      "gradient planes do not match the features")
    let pixels = features.height * features.width
    // dF (C, P) += alpha (G - A) (C, C) F (C, P)
    let alpha = 4 * weight / (Float(channels) * Float(channels) * Float(channels * pixels))
    difference.withUnsafeBufferPointer { d in
      guard let d = d.baseAddress else { return }
      gemm(
        d, features.base, into: gradient.base, m: channels, n: features.planeStride, k: channels,
        alpha: alpha, beta: 1)
    }
  }
}
