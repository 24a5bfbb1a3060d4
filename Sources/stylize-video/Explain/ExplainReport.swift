import Engine
import Foundation

/// The pictures of `explain` and the page that shows them: which images are optimised (textures
/// from Gram matrices, reconstructions from raw activations), which are drawn directly (Gram
/// heat maps, co-activation maps), and the plain-language captions.
struct ExplainReport {
  /// The layers every figure goes through, shallow to deep.
  static let layers: [VGG19.Layer] = [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1]
  /// The layer of the reconstructions that compare the style image with its shuffled tiles.
  static let shuffleLayer = VGG19.Layer.relu3_1

  /// The pictures an optimisation starts from or aims at.
  enum Source { case style, content, shuffledStyle }

  /// One picture made by optimising pixels from noise.
  struct Synthesis {
    enum Kind { case texture, reconstruction }
    var kind: Kind
    var layers: [VGG19.Layer]
    var source: Source
    var iterations: Int

    /// `texture-relu3_1.png`, `texture-relu1_1-to-relu4_1.png`, `texture-shuffled.png`,
    /// `reconstruction-relu2_1.png`, `reconstruction-shuffled-relu3_1.png`, ...
    var fileName: String {
      let names = layers.map(\.rawValue)
      let layerNames = names.count == 1 ? names[0] : "\(names[0])-to-\(names[names.count - 1])"
      switch (kind, source) {
      case (.texture, .shuffledStyle): return "texture-shuffled.png"
      case (.texture, _): return "texture-\(layerNames).png"
      case (.reconstruction, .content): return "reconstruction-\(layerNames).png"
      case (.reconstruction, .style): return "reconstruction-style-\(layerNames).png"
      case (.reconstruction, .shuffledStyle): return "reconstruction-shuffled-\(layerNames).png"
      }
    }
  }

  let style: Image
  /// The content image; the style image itself when none was given.
  let content: Image
  let contentIsStyle: Bool
  /// Side of the shuffled tiles, a multiple of relu5_1's stride (16).
  let tile: Int
  let shuffledStyle: Image
  let iterations: Int

  init(style: Image, content: Image?, iterations: Int, seed: UInt64) {
    self.style = style
    self.content = content ?? style
    self.contentIsStyle = content == nil
    // Two tiles across the short side, in whole multiples of the deepest stride: the fewer the
    // seams, the closer the Gram matrices stay (three across changed relu3_1's by half).
    let stride = Self.layers.map(\.stride).max() ?? 1
    tile = max(stride, min(style.width, style.height) / 2 / stride * stride)
    shuffledStyle = style.shufflingTiles(tile, seed: seed)
    self.iterations = iterations
  }

  func image(_ source: Source) -> Image {
    switch source {
    case .style: return style
    case .content: return content
    case .shuffledStyle: return shuffledStyle
    }
  }

  /// Every optimisation of the report, in the order of the page. Reconstructions get half the
  /// iterations: matching activations position by position converges much faster.
  var syntheses: [Synthesis] {
    let layers = Self.layers
    let reconstructionIterations = max(1, iterations / 2)
    var list = layers.map {
      Synthesis(kind: .texture, layers: [$0], source: .style, iterations: iterations)
    }
    list += (2...layers.count).map {
      Synthesis(
        kind: .texture, layers: Array(layers[0..<$0]), source: .style, iterations: iterations)
    }
    list += layers.map {
      Synthesis(
        kind: .reconstruction, layers: [$0], source: .content, iterations: reconstructionIterations)
    }
    list.append(
      Synthesis(kind: .texture, layers: layers, source: .shuffledStyle, iterations: iterations))
    if !contentIsStyle {
      list.append(
        Synthesis(
          kind: .reconstruction, layers: [Self.shuffleLayer], source: .style,
          iterations: reconstructionIterations))
    }
    list.append(
      Synthesis(
        kind: .reconstruction, layers: [Self.shuffleLayer], source: .shuffledStyle,
        iterations: reconstructionIterations))
    return list
  }

  /// The file name of the reconstruction of the unshuffled style image at `shuffleLayer`.
  var styleReconstructionFile: String {
    Synthesis(
      kind: .reconstruction, layers: [Self.shuffleLayer],
      source: contentIsStyle ? .content : .style,
      iterations: 0
    ).fileName
  }

  /// The work of `synthesis` if it runs all its iterations, in convolution FLOPs (for the ETA).
  ///
  /// Besides the network, each iteration runs L-BFGS's two loops over up to 100 remembered steps
  /// and the losses, memory-bound work that takes about as long per pixel as 1e5 convolution
  /// FLOPs (measured on 2 cores; it is most of a relu1_1-only texture's time).
  func cost(of synthesis: Synthesis, network: VGG19) -> Double {
    let source = image(synthesis.source)
    let deepest = synthesis.layers.max() ?? .relu1_1
    let flops = network.iterationFlops(through: deepest, height: source.height, width: source.width)
    return Double(synthesis.iterations) * (flops + 1e5 * Double(source.width * source.height))
  }

  /// Optimises `synthesis` from uniform noise of `noise.amplitude` around the mean pixel (the
  /// same noise, for one seed and size, for every picture of the report).
  func run(
    _ synthesis: Synthesis, network: VGG19, noise: (amplitude: Float, seed: UInt64),
    progress: (StyleTransfer.Progress) -> Void
  ) -> StyleTransfer.Result {
    var configuration = StyleTransfer.Configuration()
    configuration.pooling = network.pooling
    configuration.iterations = synthesis.iterations
    configuration.initialization = .random
    configuration.noiseAmplitude = noise.amplitude
    configuration.seed = noise.seed
    let source = image(synthesis.source)
    switch synthesis.kind {
    case .texture:
      configuration.styleLayers = synthesis.layers
      return StyleTransfer(network: network, styles: [source], configuration: configuration)
        .synthesizeTexture(width: source.width, height: source.height, progress: progress)
    case .reconstruction:
      configuration.styleLayers = []
      configuration.contentLayers = synthesis.layers
      return StyleTransfer(network: network, styles: [], configuration: configuration)
        .stylize(source, progress: progress)
    }
  }

  /// What the network sees in the style image and in its shuffled copy, per layer.
  struct LayerFacts {
    var layer: VGG19.Layer
    var features: FeatureCorrelations
    var strongestPair: (first: Int, second: Int)
    var shuffleChange: (activations: Float, gram: Float)
  }

  func layerFacts(network: VGG19) -> [LayerFacts] {
    let original = FeatureCorrelations.measure(style, at: Self.layers, network: network)
    let shuffled = FeatureCorrelations.measure(shuffledStyle, at: Self.layers, network: network)
    return Self.layers.compactMap { layer in
      guard let features = original[layer], let moved = shuffled[layer] else { return nil }
      return LayerFacts(
        layer: layer, features: features, strongestPair: features.strongestPair,
        shuffleChange: moved.relativeDistance(to: features))
    }
  }

  /// The pictures drawn without optimisation, by file name.
  func drawnPictures(_ facts: [LayerFacts]) -> [(name: String, image: Image)] {
    var pictures = [("style.png", style), ("style-shuffled.png", shuffledStyle)]
    if !contentIsStyle { pictures.append(("content.png", content)) }
    for fact in facts {
      pictures.append(("gram-\(fact.layer.rawValue).png", fact.features.gramPicture()))
      pictures.append(
        (
          "coactivation-\(fact.layer.rawValue).png",
          fact.features.coactivationPicture(fact.strongestPair, over: style)
        ))
    }
    return pictures
  }
}
