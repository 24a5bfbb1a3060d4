// Total variation regulariser (Mahendran & Vedaldi 2015, "Understanding Deep Image
// Representations by Inverting Them", eq. 5 with beta = 2), as used by neural-style.

/// The squared total variation of an image, as a mean: `weight / (C*H*W) * sum of squared
/// differences between horizontally and vertically neighbouring values`.
///
/// Dividing by the value count makes the weight per pixel: noise of a given amplitude costs the
/// same at any resolution. neural-style's TV is half the unnormalised sum, so its `tv_weight`
/// t corresponds to t * C*H*W / 2 here (1e-3 at 450x350 is about 240).
struct TotalVariation: Loss {
  /// The total-variation weight.
  var weight: Float

  /// Creates the regulariser with a weight.
  init(weight: Float = 1) {
    self.weight = weight
  }

  /// The loss at the image x (C, H, W); adds its gradient to `gradient` (C, H, W).
  ///
  /// Each difference d = x[b] - x[a] of a neighbouring pair contributes d^2 * s, s = w / (C*H*W),
  /// so it adds 2 s d to the gradient at b and subtracts it at a.
  func valueAndGradient(_ image: Tensor, accumulatingInto gradient: inout Tensor) -> Float {
    precondition(image.shape.count == 3, "total variation needs (C, H, W), got \(image.shape)")
    precondition(gradient.shape == image.shape, "gradient \(gradient.shape) != \(image.shape)")
    let (channels, height, width) = (image.shape[0], image.shape[1], image.shape[2])
    let scale = weight / Float(image.count)
    var sum: Double = 0
    // x (C, H, W): pairs (y, x)-(y, x+1) and (y, x)-(y+1, x) within each channel
    image.scalars.withUnsafeBufferPointer { x in
      gradient.scalars.withUnsafeMutableBufferPointer { g in
        for c in 0..<channels {
          for y in 0..<height {
            let row = (c * height + y) * width
            for i in row..<(row + width) {
              if i + 1 < row + width {
                let d = x[i + 1] - x[i]
                sum += Double(d * d)
                g[i + 1] += 2 * scale * d
                g[i] -= 2 * scale * d
              }
              if y + 1 < height {
                let d = x[i + width] - x[i]
                sum += Double(d * d)
                g[i + width] += 2 * scale * d
                g[i] -= 2 * scale * d
              }
            }
          }
        }
      }
    }
    return scale * Float(sum)
  }
}
