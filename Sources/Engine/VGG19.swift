import Dispatch
import Foundation

/// The convolutional part of VGG-19 (Simonyan & Zisserman 2014) as a fixed feature extractor:
/// sixteen 3x3 convolutions with ReLU, 2x2 pooling between the five blocks.
///
/// `forward` computes the activations at named layers; `backward` turns gradients at those
/// layers into the gradient with respect to the input image (the weights never change). Images
/// are (3, H, W) in the weights' convention (for the Caffe weights: BGR, 0-255, mean-subtracted).
/// Buffers are allocated for one image size and reused while the size stays the same. Not
/// thread-safe: one network per thread.
public final class VGG19 {
  /// The pooling chosen at initialisation.
  public let pooling: Pooling
  let convolutions: [ConvolutionLayer]
  private var workspace: Workspace?
  private let scratch = Scratch()
  /// When set, told when each pass starts and each layer of it is done (for timing layers).
  package var profile: (any LayerTimer)?

  /// Packs the kernels of the layers up to `deepest` that are not yet packed, on all cores.
  private func packKernels(through deepest: Layer) {
    let pending = convolutions[0...deepest.depth].filter { !$0.isPacked }
    guard !pending.isEmpty else { return }
    nonisolated(unsafe) let layers = pending
    // Deepest (largest) first, one layer per iteration.
    DispatchQueue.concurrentPerform(iterations: layers.count) { index in
      layers[layers.count - 1 - index].pack()
    }
  }

  init(convolutions: [ConvolutionLayer], pooling: Pooling) {
    precondition(convolutions.count == Layer.allCases.count, "VGG-19 has 16 convolutions")
    self.convolutions = convolutions
    self.pooling = pooling
  }

  package static let channelsOfDepth = [
    64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512,
  ]

  /// The deepest layer the last forward pass computed, nil before the first.
  var deepestComputedLayer: Layer? { workspace.flatMap { Layer(depth: $0.forwardDepth) } }

  /// The number of channels of `layer`'s activations.
  package func channels(at layer: Layer) -> Int { convolutions[layer.depth].outChannels }

  /// The number of channels going into `layer`'s convolution (3 at relu1_1).
  package func inputChannels(at layer: Layer) -> Int { convolutions[layer.depth].inChannels }

  /// Floating-point operations of `layer`'s convolution on a `height` x `width` input image,
  /// counted as a direct convolution: 2 * H' * W' * inC * outC * 9. Its backward pass costs the same.
  package func flops(of layer: Layer, height: Int, width: Int) -> Double {
    let (h, w) = Self.outputSize(of: layer, height: height, width: width)
    let convolution = convolutions[layer.depth]
    return 2 * Double(h * w * convolution.inChannels * convolution.outChannels * 9)
  }

  /// Floating-point operations of one optimisation step that reaches `deepest`: the forward and
  /// the backward pass through every convolution up to it (for estimating run times).
  public func iterationFlops(through deepest: Layer, height: Int, width: Int) -> Double {
    Layer.allCases[0...deepest.depth].reduce(0) { $0 + 2 * flops(of: $1, height: height, width: width) }
  }

  /// The (height, width) of `layer`'s activations for an input of `height` x `width`.
  package static func outputSize(of layer: Layer, height: Int, width: Int) -> (
    height: Int, width: Int
  ) {
    (0..<(layer.block - 1)).reduce((height, width)) { size, _ in (size.0 / 2, size.1 / 2) }
  }

  /// Returns the activations at `layers`, each (C, H', W'), for `image`, (3, H, W).
  ///
  /// Runs only as deep as the deepest layer in `layers`, and remembers what `backward` needs.
  package func forward(_ image: Tensor, capturing layers: Set<Layer>) -> [Layer: Tensor] {
    guard let deepest = layers.max() else { return [:] }
    run(image, through: deepest)
    guard let workspace else { return [:] }
    return Dictionary(uniqueKeysWithValues: layers.map { ($0, workspace.capture($0)) })
  }

  /// Returns the gradient with respect to the image of the last `forward`.
  ///
  /// `gradients` are with respect to some of the activations that pass reached, each of the
  /// shape `forward` returned. Gradients at several layers add up.
  func backward(gradients: [Layer: Tensor]) -> Tensor {
    guard let deepest = gradients.keys.max() else {
      preconditionFailure("backward needs at least one gradient")
    }
    var imageGradient = Tensor(shape: [])
    backward(through: deepest, into: &imageGradient) { layer, _, gradient in
      if let tap = gradients[layer] { gradient.add(tap) }
    }
    return imageGradient
  }

  /// Runs `image`, (3, H, W), through the network up to `deepest`; the activations stay in place
  /// for `activations(at:)` and `backward(through:into:addingLossGradients:)` until the next run.
  func run(_ image: Tensor, through deepest: Layer) {
    precondition(
      image.shape.count == 3 && image.shape[0] == 3, "image must be (3, H, W), got \(image.shape)")
    let (height, width) = (image.shape[1], image.shape[2])
    let smallest = Self.outputSize(of: deepest, height: height, width: width)
    precondition(
      smallest.height >= 1 && smallest.width >= 1,
      "\(height)x\(width) is too small to reach \(deepest)")
    if workspace?.height != height || workspace?.width != width {
      workspace = Workspace(height: height, width: width, channels: convolutions.map(\.outChannels))
    }
    guard let workspace else { return }
    packKernels(through: deepest)
    profile?.start()
    workspace.input.load(image)
    let pool = PoolingLayer(kind: pooling == .max ? .max : .average)
    for layer in Layer.allCases[0...deepest.depth] {
      var input = workspace.input
      if let previous = Layer(depth: layer.depth - 1) { input = workspace.activation(previous) }
      if layer.followsPooling {
        let pooled = workspace.pooled(before: layer)
        pool.forward(input, into: pooled, choices: workspace.choices(before: layer))
        input = pooled
      }
      convolutions[layer.depth].forward(
        input, into: workspace.activation(layer), scratch: scratch)
      profile?.lap(forward: layer)
    }
    workspace.forwardDepth = deepest.depth
  }

  /// The ReLU output of `layer` from the last run, (C, H', W') with zero borders.
  func activations(at layer: Layer) -> PaddedPlanes {
    guard let workspace, layer.depth <= workspace.forwardDepth else {
      preconditionFailure("the last run stopped before \(layer)")
    }
    return workspace.activation(layer)
  }

  /// Writes into `imageGradient` the gradient with respect to the image of the last run, of
  /// losses on the activations of `deepest` and the layers before it. The tensor is reused when
  /// it has the image's shape and no other owner, else replaced.
  ///
  /// At each layer, deepest first, `addLossGradients(layer, activations, gradient)` adds the
  /// gradient of that layer's losses with respect to its activations to the interior of
  /// `gradient`, which holds the gradient flowing back from the layers above (zero at
  /// `deepest`); what it writes on the border is ignored.
  func backward(
    through deepest: Layer, into imageGradient: inout Tensor,
    addingLossGradients addLossGradients: (Layer, _ activations: PaddedPlanes, _ gradient: PaddedPlanes) -> Void
  ) {
    guard let workspace, deepest.depth <= workspace.forwardDepth else {
      preconditionFailure("the last run stopped before \(deepest)")
    }
    let pool = PoolingLayer(kind: pooling == .max ? .max : .average)
    workspace.activationGradient(deepest).zero()
    profile?.start()
    for layer in Layer.allCases[0...deepest.depth].reversed() {
      let gradient = workspace.activationGradient(layer)
      let activation = workspace.activation(layer)
      addLossGradients(layer, activation, gradient)
      let previous = Layer(depth: layer.depth - 1)
      let inputGradient =
        layer.followsPooling
        ? workspace.pooledGradient(before: layer)
        : previous.map { workspace.activationGradient($0) } ?? workspace.inputGradient
      convolutions[layer.depth].backward(
        gradient, activation: activation, into: inputGradient, scratch: scratch)
      if layer.followsPooling, let previous {
        pool.backward(
          inputGradient, into: workspace.activationGradient(previous),
          choices: workspace.choices(before: layer))
      }
      profile?.lap(backward: layer)
    }
    let input = workspace.inputGradient
    if imageGradient.shape != [3, input.height, input.width] {
      imageGradient = Tensor(shape: [3, input.height, input.width])
    }
    input.copyInterior(into: &imageGradient)
  }
}

/// Told when a pass through `VGG19` starts and when each of its layers is done, for timing.
package protocol LayerTimer: AnyObject {
  /// A forward or backward pass starts.
  func start()
  /// `layer` (with the pooling before it) is done in the forward pass.
  func lap(forward layer: VGG19.Layer)
  /// `layer` (with the pooling before it) is done in the backward pass.
  func lap(backward layer: VGG19.Layer)
}
