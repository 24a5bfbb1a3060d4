// Content loss of Gatys, Ecker & Bethge 2016 (CVPR), eq. 1-2, as a mean instead of a half sum,
// as in jcjohnson/neural-style: the value and the weight do not depend on the layer's size.

/// The content loss at one layer: `weight * mean((F - P)^2)` over the C*H*W activations.
struct ContentLoss {
  /// The content image's activations P (C, H, W) at this layer.
  let target: Tensor
  /// The content weight.
  var weight: Float

  /// Creates the loss for the content activations P (C, H, W).
  init(target: Tensor, weight: Float = 1) {
    self.target = target
    self.weight = weight
  }

  /// The loss at activations F (C, H, W) and its gradient dE/dF (C, H, W).
  func valueAndGradient(_ features: Tensor) -> (value: Float, gradient: Tensor) {
    var gradient = Tensor(shape: features.shape)
    let value = valueAndGradient(features, accumulatingInto: &gradient)
    return (value, gradient)
  }

  /// The loss at activations F (C, H, W); adds dE/dF = 2w (F - P) / (C*H*W) to `gradient`.
  func valueAndGradient(_ features: Tensor, accumulatingInto gradient: inout Tensor) -> Float {
    precondition(
      features.shape == target.shape, "features \(features.shape) != target \(target.shape)")
    precondition(
      gradient.shape == features.shape, "gradient \(gradient.shape) != \(features.shape)")
    let count = features.count
    let scale = 2 * weight / Float(count)
    var sum: Double = 0
    features.scalars.withUnsafeBufferPointer { f in
      target.scalars.withUnsafeBufferPointer { p in
        gradient.scalars.withUnsafeMutableBufferPointer { g in
          for i in 0..<count {
            let difference = f[i] - p[i]
            sum += Double(difference * difference)
            g[i] += scale * difference
          }
        }
      }
    }
    return weight * Float(sum / Double(count))
  }
}
