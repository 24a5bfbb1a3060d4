/// The buffers of one `VGG19` for one image size, created on first use and reused.
final class Workspace {
  let height: Int
  let width: Int
  /// The image, (3, H, W).
  let input: PaddedPlanes
  /// The gradient with respect to the image.
  private(set) lazy var inputGradient = PaddedPlanes(channels: 3, height: height, width: width)
  /// How deep the last forward pass went.
  var forwardDepth = -1
  private let channels: [Int]
  private var activations: [PaddedPlanes?]
  private var activationGradients: [PaddedPlanes?]
  private var pooledPlanes: [PaddedPlanes?]
  private var pooledGradients: [PaddedPlanes?]
  private var maxChoices: [UnsafeMutablePointer<UInt8>?]
  private var taps: [VGG19.Layer: Tensor] = [:]

  init(height: Int, width: Int, channels: [Int]) {
    self.height = height
    self.width = width
    self.channels = channels
    input = PaddedPlanes(channels: 3, height: height, width: width)
    activations = Array(repeating: nil, count: channels.count)
    activationGradients = activations
    pooledPlanes = activations
    pooledGradients = activations
    maxChoices = Array(repeating: nil, count: channels.count)
  }

  deinit { for choices in maxChoices { choices?.deallocate() } }

  private func size(of layer: VGG19.Layer) -> (height: Int, width: Int) {
    VGG19.outputSize(of: layer, height: height, width: width)
  }

  private func planes(
    _ store: inout [PaddedPlanes?], _ depth: Int, channels: Int, size: (height: Int, width: Int)
  )
    -> PaddedPlanes
  {
    if let planes = store[depth] { return planes }
    let planes = PaddedPlanes(channels: channels, height: size.height, width: size.width)
    store[depth] = planes
    return planes
  }

  /// The ReLU output of `layer`.
  func activation(_ layer: VGG19.Layer) -> PaddedPlanes {
    planes(&activations, layer.depth, channels: channels[layer.depth], size: size(of: layer))
  }

  /// Returns a copy of `activation(layer)` as a tensor.
  ///
  /// Reuses the tensor of the previous pass when the caller no longer holds it (copy-on-write
  /// decides), so the steady state allocates nothing.
  func capture(_ layer: VGG19.Layer) -> Tensor {
    let planes = activation(layer)
    var tensor =
      taps.removeValue(forKey: layer)
      ?? Tensor(shape: [planes.channels, planes.height, planes.width])
    planes.copyInterior(into: &tensor)
    taps[layer] = tensor
    return tensor
  }

  /// The gradient with respect to `activation(layer)`.
  ///
  /// A backward pass needs only the gradients of the layer it is at and of the one below, so the
  /// layers take turns in two buffers (layer d in buffer d % 2): a gradient is overwritten two
  /// layers further down, and what it holds, borders included, is left over from other layers.
  func activationGradient(_ layer: VGG19.Layer) -> PaddedPlanes {
    if let planes = activationGradients[layer.depth] { return planes }
    let size = size(of: layer)
    let planes = PaddedPlanes(
      channels: channels[layer.depth], height: size.height, width: size.width,
      in: gradientStorage[layer.depth % 2])
    activationGradients[layer.depth] = planes
    return planes
  }

  /// The two buffers of `activationGradient`, each as large as the largest layer of its parity.
  private lazy var gradientStorage: [PlaneStorage] = (0..<2).map { parity in
    let largest = VGG19.Layer.allCases.filter { $0.depth % 2 == parity }.map { layer in
      let (h, w) = size(of: layer)
      return channels[layer.depth] * (h + 2) * (w + 2)
    }.max() ?? 1
    return PlaneStorage(capacity: largest)
  }

  /// The pooled output of the previous block, the input of `layer` (which follows a pooling).
  func pooled(before layer: VGG19.Layer) -> PaddedPlanes {
    planes(&pooledPlanes, layer.depth, channels: channels[layer.depth - 1], size: size(of: layer))
  }

  /// The gradient with respect to `pooled(before: layer)`.
  func pooledGradient(before layer: VGG19.Layer) -> PaddedPlanes {
    planes(
      &pooledGradients, layer.depth, channels: channels[layer.depth - 1], size: size(of: layer))
  }

  /// Where max pooling records each window's winner, one byte per pooled element.
  func choices(before layer: VGG19.Layer) -> UnsafeMutablePointer<UInt8> {
    if let choices = maxChoices[layer.depth] { return choices }
    let (h, w) = size(of: layer)
    let choices = UnsafeMutablePointer<UInt8>.allocate(
      capacity: max(1, channels[layer.depth - 1] * h * w))
    choices.initialize(repeating: 0, count: max(1, channels[layer.depth - 1] * h * w))
    maxChoices[layer.depth] = choices
    return choices
  }
}
