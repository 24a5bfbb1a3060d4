// Neural style transfer by optimising the pixels (Gatys, Ecker & Bethge 2016), with the options
// and defaults of jcjohnson/neural-style where they carry over (see `Configuration`).

/// Stylises images with the Gram-matrix style loss and the content loss of Gatys et al. on VGG-19.
///
/// Create one per set of style images and settings, then call `stylize` for each image or frame:
/// the style targets are computed once per content size and reused.
public final class StyleTransfer {
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
    /// The pixel count of each scale's image, coarsest first.
    var scalePixels: [Int] = []
    /// The iteration limit of each scale, coarsest first.
    var scaleIterations: [Int] = []

    /// The iteration limit at scale `other` (1 ... `scales`).
    public func iterationLimit(ofScale other: Int) -> Int {
      scaleIterations.indices.contains(other - 1) ? scaleIterations[other - 1] : iterations
    }

    /// How many times the pixels of the current scale's image the image of scale `other` has
    /// (1 ... `scales`): about what an iteration there costs relative to one here, since the
    /// network's work grows with the pixels.
    public func pixelRatio(ofScale other: Int) -> Double {
      precondition(scalePixels.indices.contains(other - 1), "no scale \(other) of \(scales)")
      return Double(scalePixels[other - 1]) / Double(scalePixels[scale - 1])
    }
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
  struct TemporalTarget: Sendable {
    /// The earlier output warped by the optical flow, at the current frame's size.
    var warped: Image
    /// Per-pixel reliability c in [0, 1], H*W values row-major (0 where occluded or unknown).
    var weights: [Float]

    /// Creates a target; `weights` must hold one value per pixel of `warped`.
    init(warped: Image, weights: [Float]) {
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
    var converged: Bool
    /// Whether `shouldStop` ended the run: the image is unfinished.
    public var stopped: Bool
    /// The losses of the last evaluated iterate.
    public var losses: Losses
  }

  /// The settings.
  public let configuration: Configuration
  let network: VGG19
  let styles: [Image]
  /// Style losses per content size ("WxH"): a coarse-to-fine run uses two sizes per frame.
  private var styleLossesBySize: [String: [VGG19.Layer: StyleLoss]] = [:]
  /// Asked after every iteration: `true` ends `stylize` at once with an unfinished result
  /// (`Result.stopped`), so a user's Ctrl-C need not wait for the rest of a frame.
  public var shouldStop: () -> Bool = { false }

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
  ///   - iterations: the iteration limit at each scale (default: the configuration's).
  ///   - scales: coarse to fine: with 2, the image is first stylised at half size, and that
  ///     result, upsampled, starts the full-size run.
  public func stylize(
    _ content: Image, initial: Image? = nil, iterations: Int? = nil, scales: Int = 1,
    progress: (Progress) -> Void = { _ in }
  ) -> Result {
    stylize(
      content, initial: initial,
      schedule: Array(repeating: iterations ?? configuration.iterations, count: scales),
      progress: progress)
  }

  /// Stylises `content` coarse to fine: `schedule` holds the iteration limit of each scale,
  /// coarsest first, each scale half the size of the next (the last is the content's size).
  /// Each scale starts from the one before, upsampled. Without `initial` the optimisations run
  /// over the levels of an image pyramid (`Configuration.pyramidWeight`), with it (a warm
  /// start) over the pixels.
  public func stylize(
    _ content: Image, initial: Image? = nil, schedule: [Int],
    progress: (Progress) -> Void = { _ in }
  ) -> Result {
    stylize(content, initial: initial, temporal: [], schedule: schedule, progress: progress)
  }

  /// `stylize` with a temporal loss term towards each of `temporal`, earlier outputs warped into
  /// this frame; the temporal terms act at full size only.
  func stylize(
    _ content: Image, initial: Image?, temporal: [TemporalTarget], schedule: [Int],
    progress: (Progress) -> Void
  ) -> Result {
    precondition(!schedule.isEmpty, "at least one scale")
    let scales = schedule.count
    let sizes = (1...scales).map {
      Self.size(ofScale: $0, of: scales, width: content.width, height: content.height)
    }
    let pixels = sizes.map { $0.width * $0.height }
    var start = startingPoint(for: content, initial: initial)
    var total = 0
    var result: Result?
    var coarser: Image?
    for (scale, size) in zip(1...scales, sizes) {
      let level =
        scale == scales ? content : content.resized(width: size.width, height: size.height)
      if start.shape != [3, level.height, level.width] {
        start = upsampled(start, to: level, from: coarser)
      }
      coarser = level
      var levelResult = optimize(
        level, from: start, temporal: scale == scales ? temporal : [],
        iterations: schedule[scale - 1], inPyramid: initial == nil
      ) { state in
        var state = state
        (state.scale, state.scales) = (scale, scales)
        (state.scalePixels, state.scaleIterations) = (pixels, schedule)
        progress(state)
      }
      total += levelResult.result.iterations
      levelResult.result.iterations = total
      start = levelResult.point
      result = levelResult.result
      if levelResult.result.stopped { break }
    }
    guard let result else { preconditionFailure("at least one scale runs") }
    return result
  }

  /// The result of a coarser scale, `point` (preprocessed), as the start at `level`'s size.
  ///
  /// Resizing alone leaves it blurred: at the finer scale its content loss starts high (the
  /// content's features need the detail), and the fine style layers see no texture. With a
  /// content term the start gets the content's own detail back, the difference between `level`
  /// and the coarser content resized up, so only the painted part is coarse: on a 512x288
  /// photo, 3 scales, 5 % lower total loss after 50 full-size iterations.
  private func upsampled(_ point: Tensor, to level: Image, from coarser: Image?) -> Tensor {
    let (width, height) = (level.width, level.height)
    var start = Image(deprocessing: point).resized(width: width, height: height).preprocessed()
    guard let coarser, configuration.contentWeight > 0, !configuration.contentLayers.isEmpty
    else { return start }
    let sharp = level.preprocessed()
    let blurred = coarser.resized(width: width, height: height).preprocessed()
    for index in start.scalars.indices {
      start.scalars[index] += sharp.scalars[index] - blurred.scalars[index]
    }
    return start
  }

  /// Coarse scales whose shorter side is under this many pixels are left out of a schedule
  /// (`schedule(_:width:height:)`).
  ///
  /// There the content layer (relu4_2, an eighth of the size) has under 12 rows, too few to
  /// hold the layout, and the painting washes it out in the coarse result that starts the finer
  /// scales: the demo's first frame at 192x108, from a 96x54 start, kept only the balloon, and
  /// its loss was higher than that of a full-size run with the same work. Half of 512x288
  /// (256x144) and of 384x216 (192x108) keep their layout.
  public static let smallestCoarseSide = 96

  /// `schedule` (iterations per scale, coarsest first) for a content of `width` x `height`,
  /// without the coarse scales under `smallestCoarseSide`: their iterations go to the next scale
  /// kept, a quarter per halving (what they cost there), so the work stays about the same.
  static func schedule(_ schedule: [Int], width: Int, height: Int) -> [Int] {
    var kept: [Int] = []
    var carried = 0.0  // iterations of the current scale moved from coarser ones
    for (scale, iterations) in zip(1..., schedule) {
      let size = Self.size(ofScale: scale, of: schedule.count, width: width, height: height)
      let effort = Double(iterations) + carried
      if scale < schedule.count && min(size.width, size.height) < smallestCoarseSide {
        carried = effort / 4
      } else {
        kept.append(Int(effort.rounded()))
        carried = 0
      }
    }
    return kept
  }

  /// The size of scale `scale` (1 ... `scales`, coarse to fine) of an image of `width` x
  /// `height`: halved per scale below the full size, at least 16 px a side.
  static func size(ofScale scale: Int, of scales: Int, width: Int, height: Int)
    -> (width: Int, height: Int)
  {
    let factor = 1 << (scales - scale)
    return factor == 1 ? (width, height) : (max(16, width / factor), max(16, height / factor))
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
  func finish(_ point: Tensor, content: Image) -> Image {
    let image = Image(deprocessing: point)
    return configuration.preserveColors ? image.preservingColors(of: content) : image
  }

  /// The style losses for a content image of this size, computed once per size.
  func styleLossesFor(_ content: Image) -> [VGG19.Layer: StyleLoss] {
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
