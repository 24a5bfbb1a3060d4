// Short-term temporal loss of Ruder, Dosovitskiy & Brox 2016, "Artistic Style Transfer for
// Videos" (GCPR), eq. 7: (1/D) sum_k c_k (x_k - w_k)^2 over all D = C*H*W values, in pixel space.

/// The temporal consistency loss: `weight / D * sum c (x - warped)^2`, D = C*H*W.
///
/// `warped` is the previous stylised frame warped into the current one, (C, H, W) on the same scale
/// as the optimised image; `mask` holds the per-pixel reliability c (H, W), shared by the channels.
/// D counts every value, masked or not, as the paper does.
struct TemporalLoss: Loss {
  /// The warped previous output (C, H, W).
  let warped: Tensor
  /// The reliability weights c (H, W), in [0, 1].
  let mask: Tensor
  /// The temporal weight.
  var weight: Float

  /// Creates the loss for a warped previous frame (C, H, W) and its reliability mask (H, W).
  init(warped: Tensor, mask: Tensor, weight: Float = 1) {
    precondition(warped.shape.count == 3, "warped frame must be (C, H, W), got \(warped.shape)")
    precondition(
      mask.shape == Array(warped.shape.dropFirst()),
      "mask must be (H, W) = \(Array(warped.shape.dropFirst())), got \(mask.shape)")
    self.warped = warped
    self.mask = mask
    self.weight = weight
  }

  /// The loss at the image x (C, H, W); adds dE/dx = 2w c (x - warped) / D to `gradient`.
  func valueAndGradient(_ image: Tensor, accumulatingInto gradient: inout Tensor) -> Float {
    precondition(image.shape == warped.shape, "image \(image.shape) != warped \(warped.shape)")
    precondition(gradient.shape == image.shape, "gradient \(gradient.shape) != \(image.shape)")
    let plane = mask.count
    let count = image.count
    let scale = 2 * weight / Float(count)
    var sum: Double = 0
    // x, warped (C, H*W); c (H*W) broadcast over C
    image.scalars.withUnsafeBufferPointer { x in
      warped.scalars.withUnsafeBufferPointer { w in
        mask.scalars.withUnsafeBufferPointer { c in
          gradient.scalars.withUnsafeMutableBufferPointer { g in
            for channel in 0..<(count / plane) {
              let offset = channel * plane
              for p in 0..<plane {
                let difference = x[offset + p] - w[offset + p]
                let weighted = c[p] * difference
                sum += Double(weighted * difference)
                g[offset + p] += scale * weighted
              }
            }
          }
        }
      }
    }
    return weight * Float(sum / Double(count))
  }
}
