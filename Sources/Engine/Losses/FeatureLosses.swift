/// The style and content losses of one image on VGG-19's activations: what one style-transfer
/// iteration evaluates before the pixel terms (total variation, temporal).
///
/// The losses read the activations where the network leaves them and add their gradients inside
/// its backward pass: no copies of the tapped layers, no gradient tensors per layer.
package struct FeatureLosses {
  /// Gram-matrix losses by layer.
  private(set) var style: [VGG19.Layer: StyleLoss]
  /// Content losses by layer.
  let content: [VGG19.Layer: ContentLoss]
  /// The layers with a loss, shallowest first.
  let layers: [VGG19.Layer]

  package init(style: [VGG19.Layer: StyleLoss], content: [VGG19.Layer: ContentLoss]) {
    self.style = style
    self.content = content
    layers = Set(style.keys).union(content.keys).sorted()
  }

  /// Runs `image`, (3, H, W), through `network` and returns the weighted style and content
  /// losses and the gradient of their sum with respect to the image, (3, H, W).
  package mutating func evaluate(_ image: Tensor, on network: VGG19)
    -> (style: Float, content: Float, gradient: Tensor)
  {
    var gradient = Tensor(shape: [])
    let (style, content) = evaluate(image, on: network, gradient: &gradient)
    return (style, content, gradient)
  }

  /// `evaluate` writing the gradient into `gradient`, reused when it has the image's shape and
  /// no other owner (so that iterations allocate nothing).
  mutating func evaluate(_ image: Tensor, on network: VGG19, gradient imageGradient: inout Tensor)
    -> (style: Float, content: Float)
  {
    guard let deepest = layers.last else { preconditionFailure("no style or content loss") }
    network.run(image, through: deepest)
    var (styleValue, contentValue): (Float, Float) = (0, 0)
    for layer in layers {  // in a fixed order: the sums are reproducible
      let features = network.activations(at: layer)
      styleValue += style[layer]?.value(at: features) ?? 0
      contentValue += content[layer]?.value(at: features) ?? 0
    }
    let (style, content) = (style, content)
    network.backward(through: deepest, into: &imageGradient) { layer, features, gradient in
      style[layer]?.addGradient(at: features, to: gradient)
      content[layer]?.addGradient(at: features, to: gradient)
    }
    return (styleValue, contentValue)
  }
}
