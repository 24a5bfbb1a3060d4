// Neural style transfer by optimising the pixels (Gatys, Ecker & Bethge 2016), with the options
// and defaults of jcjohnson/neural-style where they carry over (see `Configuration`).

/// Which optimiser moves the pixels.
public enum OptimizerKind: String, CaseIterable, Sendable, Codable {
  /// L-BFGS without line search, as the reference tools: the best images per iteration.
  case lbfgs
  /// Adam: less memory, needs a learning rate around 1-10 on the 0-255 pixel scale.
  case adam
}

/// Where the optimisation starts.
public enum Initialization: Sendable, Equatable {
  /// The content image itself (fast, keeps the layout).
  case content
  /// Uniform noise around the mean pixel, reproducible for the configuration's seed.
  case random
  /// A given image (resized to the content's size).
  case image(Image)
}

/// Stylises images with the Gram-matrix style loss and the content loss of Gatys et al. on VGG-19.
///
/// Create one per set of style images and settings, then call `stylize` for each image or frame:
/// the style targets are computed once per content size and reused.
public final class StyleTransfer {
  /// The settings of one run. Weights are relative: every loss term is a mean, so one set of
  /// weights gives the same balance, and the same style strength, at any image size and for any
  /// number of style images.
  public struct Configuration: Sendable, Equatable {
    /// Weight of the content loss, mean((F - P)^2) at `contentLayers`.
    public var contentWeight: Float = 5
    /// Weight of the style loss at each style layer, mean((G - A)^2) with G = F F^T / (C H W).
    public var styleWeight: Float = 100
    /// Weight of the total variation, the mean squared difference of neighbouring pixel values.
    public var totalVariationWeight: Float = 1
    /// Weight of each temporal term, mean(c (x - warped)^2) over all values (Ruder et al.).
    public var temporalWeight: Float = 1e3
    /// Layers whose raw activations must stay close to the content image's.
    public var contentLayers: [VGG19.Layer] = [.relu4_2]
    /// Layers whose Gram matrices must match the style image's.
    public var styleLayers: [VGG19.Layer] = [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1]
    /// Relative weight of each style layer (all 1 when `nil`), multiplied by `styleWeight`.
    public var styleLayerWeights: [Float]? = nil
    /// Relative weight of each style image (equal when `nil`); normalised to sum 1.
    public var styleBlendWeights: [Float]? = nil
    /// The style image is resized to the content image's area times `styleScale`^2.
    public var styleScale: Double = 1
    /// Recolour each style image to the content's colour mean and covariance first.
    public var colorTransfer = false
    /// Keep the content's colours: take only the luminance of the result.
    public var preserveColors = false
    /// Downsampling in VGG-19.
    public var pooling: VGG19.Pooling = .max
    /// The optimiser.
    public var optimizer: OptimizerKind = .lbfgs
    /// Step size: L-BFGS's step (1 as in the reference tools); Adam's learning rate.
    public var learningRate: Float = 1
    /// L-BFGS's number of remembered steps.
    public var historySize = 100
    /// The most iterations per image (one forward and one backward pass each).
    public var iterations = 500
    /// Stop early when the loss changed less than this fraction over `toleranceInterval`
    /// iterations (0 turns the early stop off).
    public var tolerance: Float = 1e-4
    /// The interval for `tolerance`, in iterations.
    public var toleranceInterval = 50
    /// The starting image.
    public var initialization: Initialization = .random
    /// Half-width of the uniform noise a `.random` start draws around the mean pixel, on the
    /// 0-255 scale. 20 keeps a stylisation's first steps gentle; texture synthesis wants the full
    /// range (about 128): from faint noise a single shallow layer's Gram loss sits near a saddle
    /// (every step has negative curvature) and L-BFGS hardly moves.
    public var noiseAmplitude: Float = 20
    /// The seed of every random choice, so that runs are reproducible.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}
  }

  /// One iteration's state, reported while `stylize` runs.
  public struct Progress {
    /// The iteration just evaluated, from 1.
    public var iteration: Int
    /// The iteration limit at this scale.
    public var iterations: Int
    /// The scale being optimised, from 1 (coarsest) to `scales` (full size).
    public var scale: Int
    /// The number of scales of this run.
    public var scales: Int
    /// The weighted losses at this iteration.
    public var losses: Losses
    /// The image being optimised, as it is at this iteration (computed on demand).
    public var currentImage: () -> Image
  }

  /// The weighted loss terms of an image.
  public struct Losses: Sendable, Equatable, Codable {
    /// Weighted content loss.
    public var content: Float = 0
    /// Weighted style loss, summed over the style layers.
    public var style: Float = 0
    /// Weighted total variation.
    public var totalVariation: Float = 0
    /// Weighted temporal terms, summed over the earlier frames.
    public var temporal: Float = 0
    /// The sum of the terms: what the optimiser minimises.
    public var total: Float { content + style + totalVariation + temporal }

    /// All terms zero.
    public init() {}
  }

  /// An earlier stylised frame brought into the current one, for the temporal loss.
  public struct TemporalTarget: Sendable {
    /// The earlier output warped by the optical flow, at the current frame's size.
    public var warped: Image
    /// Per-pixel reliability c in [0, 1], H*W values row-major (0 where occluded or unknown).
    public var weights: [Float]

    /// Creates a target; `weights` must hold one value per pixel of `warped`.
    public init(warped: Image, weights: [Float]) {
      precondition(weights.count == warped.width * warped.height, "one weight per pixel")
      self.warped = warped
      self.weights = weights
    }
  }

  /// What `stylize` produced.
  public struct Result {
    /// The stylised image, at the content's size.
    public var image: Image
    /// Iterations run.
    public var iterations: Int
    /// Whether the early stop ended the run before the iteration limit.
    public var converged: Bool
    /// The losses of the last evaluated iterate.
    public var losses: Losses
  }

  /// The settings.
  public let configuration: Configuration
  let network: VGG19
  let styles: [Image]
  /// Style losses per content size ("WxH"): a coarse-to-fine run uses two sizes per frame.
  private var styleLossesBySize: [String: [VGG19.Layer: StyleLoss]] = [:]

  /// Prepares style transfer towards `styles` with `network`'s features.
  ///
  /// `styles` may be empty only when the configuration has no style layers: then `stylize`
  /// reconstructs the content from its raw activations alone (Mahendran & Vedaldi 2015).
  public init(network: VGG19, styles: [Image], configuration: Configuration) {
    precondition(
      !styles.isEmpty || configuration.styleLayers.isEmpty, "style transfer needs a style image")
    precondition(network.pooling == configuration.pooling, "the network's pooling must match")
    self.network = network
    self.styles = styles
    self.configuration = configuration
  }

  /// Stylises `content`, starting from `initial` when given (else from the configured
  /// initialisation), and calls `progress` after each iteration.
  ///
  /// - Parameters:
  ///   - temporal: earlier outputs warped into this frame; each adds a temporal loss term.
  ///   - iterations: the iteration limit at each scale (default: the configuration's).
  ///   - scales: coarse to fine: with 2, the image is first stylised at half size, and that
  ///     result, upsampled, starts the full-size run. The temporal terms act at full size only.
  public func stylize(
    _ content: Image, initial: Image? = nil, temporal: [TemporalTarget] = [],
    iterations: Int? = nil, scales: Int = 1, progress: (Progress) -> Void = { _ in }
  ) -> Result {
    precondition(scales >= 1, "scales must be at least 1")
    var start = startingPoint(for: content, initial: initial)
    var total = 0
    var result: Result?
    for scale in 1...scales {
      let factor = 1 << (scales - scale)
      let level =
        factor == 1
        ? content
        : content.resized(
          width: max(16, content.width / factor), height: max(16, content.height / factor))
      if start.shape != [3, level.height, level.width] {
        start = Image(deprocessing: start).resized(width: level.width, height: level.height)
          .preprocessed()
      }
      var levelResult = optimize(
        level, from: start, temporal: factor == 1 ? temporal : [],
        iterations: iterations ?? configuration.iterations
      ) { state in
        var state = state
        (state.scale, state.scales) = (scale, scales)
        progress(state)
      }
      total += levelResult.result.iterations
      levelResult.result.iterations = total
      start = levelResult.point
      result = levelResult.result
    }
    guard let result else { preconditionFailure("at least one scale runs") }
    return result
  }

  /// One optimisation at the content's own size, from the preprocessed point `start`.
  private func optimize(
    _ content: Image, from start: Tensor, temporal: [TemporalTarget], iterations: Int,
    progress: (Progress) -> Void
  ) -> (result: Result, point: Tensor) {
    let (width, height) = (content.width, content.height)
    let contentTargets = network.forward(
      content.preprocessed(), capturing: Set(configuration.contentLayers))
    var featureLosses = FeatureLosses(
      style: styleLossesFor(content),
      content: contentTargets.mapValues {
        ContentLoss(target: $0, weight: configuration.contentWeight)
      })
    let totalVariation = TotalVariation(weight: configuration.totalVariationWeight)
    let temporalLosses = temporal.map {
      TemporalLoss(
        warped: $0.warped.preprocessed(), mask: Tensor(shape: [height, width], scalars: $0.weights),
        weight: configuration.temporalWeight)
    }
    var losses = Losses()
    var bestLosses = Losses()
    bestLosses.style = .infinity
    // Buffers the iterations reuse: the loop allocates nothing image-sized once it runs.
    var lastPoint = [Float](repeating: 0, count: 3 * height * width)
    var imageGradient = Tensor(shape: [3, height, width])
    let objective = { (x: [Float], gradient: inout [Float]) -> Float in
      lastPoint.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: x) }
      let image = Tensor(shape: [3, height, width], scalars: x)
      losses = Losses()
      (losses.style, losses.content) = featureLosses.evaluate(
        image, on: self.network, gradient: &imageGradient)
      losses.totalVariation = totalVariation.valueAndGradient(
        image, accumulatingInto: &imageGradient)
      for temporalLoss in temporalLosses {
        losses.temporal += temporalLoss.valueAndGradient(image, accumulatingInto: &imageGradient)
      }
      if losses.total < bestLosses.total { bestLosses = losses }
      gradient.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: imageGradient.scalars) }
      return losses.total
    }

    var x = start.scalars
    var termination = Termination(
      maxIterations: iterations, relativeTolerance: configuration.tolerance,
      interval: configuration.toleranceInterval)
    // Style transfer's loss stays far from 0, so a tenfold rise is an overshoot, not noise.
    termination.divergenceFactor = 10
    let report = { (iteration: Int, _: Float) in
      let point = lastPoint
      progress(
        Progress(
          iteration: iteration, iterations: iterations, scale: 1, scales: 1, losses: losses,
          currentImage: {
            self.finish(Tensor(shape: [3, height, width], scalars: point), content: content)
          }))
    }
    let outcome: OptimizationResult
    switch configuration.optimizer {
    case .lbfgs:
      var optimizer = LBFGS(
        historySize: configuration.historySize, learningRate: configuration.learningRate)
      outcome = optimizer.minimize(
        &x, termination: termination, objective: objective, onIteration: report)
    case .adam:
      var optimizer = Adam(learningRate: configuration.learningRate)
      outcome = optimizer.minimize(
        &x, termination: termination, objective: objective, onIteration: report)
    }
    // The optimisers end one step past the last evaluated point; keep the evaluated one when the
    // run broke down, else the final step.
    let final = Tensor(
      shape: [3, height, width], scalars: outcome.reason == .nonFiniteLoss ? lastPoint : x)
    let result = Result(
      image: finish(final, content: content), iterations: outcome.iterations,
      converged: outcome.reason == .converged,
      // A diverged last step was undone: the losses are the best point's.
      losses: outcome.loss == losses.total ? losses : bestLosses)
    return (result, final)
  }

  /// The preprocessed image the optimisation starts from.
  private func startingPoint(for content: Image, initial: Image?) -> Tensor {
    let (width, height) = (content.width, content.height)
    let start: Initialization = initial.map { .image($0) } ?? configuration.initialization
    switch start {
    case .content:
      return content.preprocessed()
    case .random:
      // Noise around the mean pixel: preprocessed values near 0.
      let amplitude = configuration.noiseAmplitude
      return Tensor(
        randomUniform: [3, height, width], in: -amplitude...amplitude, seed: configuration.seed)
    case .image(let image):
      let resized =
        image.width == width && image.height == height
        ? image : image.resized(width: width, height: height)
      return resized.preprocessed()
    }
  }

  /// The output image of an optimised point: deprocessed, with the content's colours if asked.
  private func finish(_ point: Tensor, content: Image) -> Image {
    let image = Image(deprocessing: point)
    return configuration.preserveColors ? image.preservingColors(of: content) : image
  }

  /// The style losses for a content image of this size, computed once per size.
  private func styleLossesFor(_ content: Image) -> [VGG19.Layer: StyleLoss] {
    let size = "\(content.width)x\(content.height)"
    if let cached = styleLossesBySize[size] { return cached }
    let layers = configuration.styleLayers
    var featuresPerLayer: [VGG19.Layer: [Tensor]] = [:]
    for style in styles {
      var scaled = style.resized(matchingAreaOf: content, scale: configuration.styleScale)
      if configuration.colorTransfer { scaled = scaled.matchingColorStatistics(of: content) }
      let activations = network.forward(scaled.preprocessed(), capturing: Set(layers))
      for (layer, features) in activations { featuresPerLayer[layer, default: []].append(features) }
    }
    let layerWeights = configuration.styleLayerWeights ?? layers.map { _ in 1 }
    var losses: [VGG19.Layer: StyleLoss] = [:]
    for (layer, layerWeight) in zip(layers, layerWeights) {
      losses[layer] = StyleLoss(
        styleFeatures: featuresPerLayer[layer, default: []], blendWeights: configuration.styleBlendWeights,
        weight: configuration.styleWeight * layerWeight)
    }
    styleLossesBySize[size] = losses
    return losses
  }
}
