// Content loss of Gatys, Ecker & Bethge 2016 (CVPR), eq. 1-2, as a mean instead of a half sum,
// as in jcjohnson/neural-style: the value and the weight do not depend on the layer's size.

/// The content loss at one layer: `weight * mean((F - P)^2)` over the C*H*W activations.
package struct ContentLoss: ActivationLoss {
  /// The content image's activations P (C, H, W) at this layer.
  let target: Tensor
  /// The content weight.
  var weight: Float

  /// Creates the loss for the content activations P (C, H, W).
  package init(target: Tensor, weight: Float = 1) {
    self.target = target
    self.weight = weight
  }

  /// The loss at the activations F in the interior of `features`.
  func value(at features: PaddedPlanes) -> Float {
    let count = target.count
    let sums = forEachRow(of: features) { f, p, _, width in
      var sum: Double = 0
      for x in 0..<width {
        let difference = f[x] - p[x]
        sum += Double(difference * difference)
      }
      return sum
    }
    return weight * Float(sums / Double(count))
  }

  /// Adds dE/dF = 2w (F - P) / (C*H*W) to the interior of `gradient`.
  func addGradient(at features: PaddedPlanes, to gradient: PaddedPlanes) {
    precondition(
      gradient.channels == features.channels && gradient.planeStride == features.planeStride,
      "gradient planes do not match the features")
    let scale = 2 * weight / Float(target.count)
    _ = forEachRow(of: features) { f, p, offset, width in
      let g = gradient.base + offset
      for x in 0..<width { g[x] += scale * (f[x] - p[x]) }
      return 0
    }
  }

  /// Calls `body(featureRow, targetRow, offset, width)` for each interior row of `features`
  /// (`offset`: the row's index in the planes), channels split over the cores, and returns the
  /// sum of what it returned, added in a fixed order.
  private func forEachRow(
    of features: PaddedPlanes,
    _ body: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int, Int) -> Double
  ) -> Double {
    let (channels, height, width) = (features.channels, features.height, features.width)
    precondition(
      target.shape == [channels, height, width],
      "features \([channels, height, width]) != target \(target.shape)")
    var partial = [Double](repeating: 0, count: coreCount)
    target.scalars.withUnsafeBufferPointer { buffer in
      partial.withUnsafeMutableBufferPointer { partial in
        guard let start = buffer.baseAddress, let partialBase = partial.baseAddress else { return }
        nonisolated(unsafe) let (p, sums) = (start, partialBase)
        parallelChunks(0..<channels) { chunk, worker in
          var sum: Double = 0
          for c in chunk {
            for y in 0..<height {
              let offset = c * features.planeStride + (y + 1) * features.rowStride + 1
              sum += body(features.base + offset, p + (c * height + y) * width, offset, width)
            }
          }
          sums[worker] = sum
        }
      }
    }
    return partial.reduce(0, +)
  }
}
