// Temporally consistent video style transfer: Ruder, Dosovitskiy & Brox 2016, "Artistic Style
// Transfer for Videos" (GCPR): warm start from the previous output warped by optical flow, and a
// temporal loss towards earlier outputs, weighted by the reliability of the flow.

/// Stylises the frames of a video in order so that the painting moves with the scene.
///
/// Call `stylizeNext` for each frame; frames stylised earlier (a resumed run) are handed over with
/// `recordFinished`. Later passes: `beginPass`, then `refineNext` for each frame. Outputs enter
/// the history as 8-bit images, exactly as they are written to disk, so a resumed run continues
/// exactly where an uninterrupted one would be.
public final class VideoStyleTransfer {
  /// The video-specific settings; the per-image ones are the `StyleTransfer`'s.
  public struct Configuration: Sendable, Equatable {
    /// Earlier frames the temporal loss looks back to, e.g. [1, 2, 4] (Ruder et al.'s
    /// long-term consistency); empty turns the temporal loss off.
    public var temporalFrames: [Int] = [1, 2, 4]
    /// The first frame's iteration limit at each of its coarse-to-fine scales, coarsest first;
    /// each scale has half the width and height of the next, the last is full size.
    ///
    /// The full-size iterations decide the loss; the half-size ones are cheap (a quarter of the
    /// pixels) and carry the painting's larger strokes and colours into the start, but stop
    /// paying after about 50. At 512x288 (a photo with two paintings, a stream frame with one),
    /// against [300, 300]: [150, 120] +1.7 %, +2.6 %, +2.0 %; [50, 130] +1.6 %, +2.8 %, +2.0 %
    /// in about 12 s less (100 half-size iterations for 10 full-size ones). Coarse scales too
    /// small for the network to see the layout (`StyleTransfer.smallestCoarseSide`) are left
    /// out, their work moved to the next scale.
    public var firstSchedule = [50, 130]
    /// The iteration limit for every later frame.
    public var iterations = 15
    /// Stylise each frame on its own, like a first frame (no warm start, no temporal loss).
    public var independent = false
    /// Passes over the whole video (Ruder et al.'s multi-pass): after the first, forward pass,
    /// each pass runs `iterations` per frame in the other direction. Run by the caller with
    /// `beginPass` and `refineNext`.
    public var passes = 1

    /// The defaults.
    public init() {}
  }

  /// How one frame went.
  public struct FrameReport {
    /// The stylised frame.
    public var result: StyleTransfer.Result
    /// Seconds spent on optical flow for this frame (both directions of each pair, with the
    /// warps and reliability masks).
    public var flowSeconds: Double
    /// How many earlier frames were brought in by flow (0 for the first frame of a pass).
    public var flowPairs = 0
  }

  /// The video settings.
  public let configuration: Configuration
  /// The per-image style transfer.
  let transfer: StyleTransfer
  /// Supplies the flow from frame `from` to frame `to` (0-based) when known (e.g. from .flo
  /// files; resized to the frames' size if needed); `nil` means: estimate it.
  public var flowSource: ((_ from: Int, _ to: Int) throws -> FlowField?)?
  private let flow = OpticalFlow()
  /// Earlier frames, nearest last: (index, original, output).
  private var history: [(index: Int, original: Image, output: Image)] = []

  /// Prepares a run over one video.
  public init(transfer: StyleTransfer, configuration: Configuration) {
    precondition(configuration.temporalFrames.allSatisfy { $0 >= 1 }, "temporal frames are >= 1")
    precondition(configuration.passes >= 1, "at least one pass")
    self.transfer = transfer
    self.configuration = configuration
  }

  /// Stylises frame `index` (0-based) from its original picture, in the first pass (frames in
  /// order, from the first). Throws `CancellationError` when the transfer's `shouldStop` ended
  /// the frame early; the unfinished frame is not recorded (nor by `refineNext`).
  public func stylizeNext(
    _ original: Image, index: Int, progress: (StyleTransfer.Progress) -> Void = { _ in }
  ) throws -> FrameReport {
    precondition(pass.number == 1, "stylizeNext is the first pass; later ones are refineNext")
    return try stylize(original, index: index, progress: progress)
  }

  /// Starts pass `number` (2, 3, ...) of Ruder et al.'s multi-pass method: the frames once more,
  /// backwards in even passes and forwards in odd ones. Call `refineNext` for each frame in that
  /// order (`recordFinished` for frames done before a resume).
  public func beginPass(_ number: Int) {
    precondition(number >= 2, "pass 1 is `stylizeNext`")
    history = []
    pass = Pass(number)
  }

  /// Stylises frame `index` again in the current later pass, starting from its output of the
  /// pass before (`previous`) blended with the neighbour just done in this pass, warped.
  public func refineNext(
    _ original: Image, index: Int, previous: Image,
    progress: (StyleTransfer.Progress) -> Void = { _ in }
  ) throws -> FrameReport {
    try stylize(original, index: index, previous: previous, progress: progress)
  }

  /// The pass that runs.
  private var pass = Pass(1)

  private func stylize(
    _ original: Image, index: Int, previous: Image? = nil,
    progress: (StyleTransfer.Progress) -> Void
  ) throws -> FrameReport {
    guard !configuration.independent, history.last?.index == index - pass.step else {
      // The first frame of a pass (or every frame, when independent).
      let result =
        if let previous {
          transfer.stylize(
            original, initial: previous, iterations: configuration.iterations, progress: progress)
        } else {
          transfer.stylize(
            original,
            schedule: StyleTransfer.schedule(
              configuration.firstSchedule, width: original.width, height: original.height),
            progress: progress)
        }
      guard !result.stopped else { throw CancellationError() }
      recordFinished(original: original, output: result.image, index: index)
      return FrameReport(result: result, flowSeconds: 0)
    }
    let flowStart = ContinuousClock.now
    let earlier = try earlierOutputs(warpedInto: original, index: index)
    let flowSeconds = (ContinuousClock.now - flowStart).seconds
    let targets = zip(earlier.warped, closestFirst(earlier.weights)).map {
      StyleTransfer.TemporalTarget(warped: $0, weights: $1)
    }
    let result = transfer.stylize(
      original, initial: startingImage(original, earlier: earlier, previous: previous),
      temporal: targets, schedule: [configuration.iterations], progress: progress)
    guard !result.stopped else { throw CancellationError() }
    recordFinished(original: original, output: result.image, index: index)
    return FrameReport(result: result, flowSeconds: flowSeconds, flowPairs: earlier.warped.count)
  }

  /// The outputs of the earlier frames of `temporalFrames` that the history holds, nearest
  /// first, warped by optical flow into frame `index`, with the per-pixel reliability of each.
  private func earlierOutputs(warpedInto original: Image, index: Int) throws
    -> (warped: [Image], weights: [[Float]])
  {
    var warpedOutputs: [Image] = []
    var weights: [[Float]] = []
    for step in configuration.temporalFrames.sorted() {
      let neighbour = index - pass.step * step
      guard let earlier = history.first(where: { $0.index == neighbour }) else { continue }
      let (backward, forward) = try flowPair(index, original, earlier.index, earlier.original)
      let warped = warp(earlier.output.pixels, by: backward)
      // The smoothing in `consistencyWeights` lets some weight into pixels whose source is
      // outside the earlier frame, where the warp only repeats its border: none there.
      let reliability = zip(consistencyWeights(flow: backward, reverse: forward), warped.outside)
        .map { $1 ? 0 : $0 }
      weights.append(reliability)
      warpedOutputs.append(Image(pixels: warped.image))
    }
    return (warpedOutputs, weights)
  }

  /// Where the optimisation of a frame with `earlier` outputs starts.
  private func startingImage(
    _ original: Image, earlier: (warped: [Image], weights: [[Float]]), previous: Image?
  ) -> Image {
    if let previous {
      // Ruder et al.'s multi-pass start: half the neighbour's warped output where the flow is
      // reliable, the rest from this frame's output of the pass before.
      let halved = earlier.weights.map { $0.map { 0.5 * $0 } }
      return closestFirstBlend(earlier.warped, weights: halved, fallback: previous)
    }
    // Warm start ("prevWarped"), closest first: each pixel starts from the nearest earlier
    // output that the flow brings in reliably, and from the content frame where none does (new
    // scene at the border, background uncovered by a moving object). Keeping the warped value
    // there instead drags the moving object's colours along as a trail. The content is
    // recoloured to the previous output's colours first, so that the few iterations of a
    // later frame start those pixels in the painting's palette rather than the photo's.
    let palette = history.last.map { original.matchingColorStatistics(of: $0.output) }
    return closestFirstBlend(earlier.warped, weights: earlier.weights, fallback: palette ?? original)
  }

  /// Adds a frame stylised earlier in the current pass (e.g. read back from a checkpoint) to the
  /// history.
  public func recordFinished(original: Image, output: Image, index: Int) {
    // As written to disk: rounded to 8 bits.
    let stored = Image(width: output.width, height: output.height, rgb: output.rgbBytes())
    history.append((index, original, stored))
    let reach = (configuration.temporalFrames.max() ?? 1)
    history.removeAll { pass.step * (index - $0.index) >= reach }
  }

  /// The flows from frame `index` to the earlier frame `other` (backward) and back (forward).
  ///
  /// Estimated flows run side by side, one per core, each with its rows on one thread: two
  /// independent solvers keep both cores busier than one solver whose every step waits for the
  /// slower half of its rows (the coarse pyramid levels are too small to split well).
  private func flowPair(_ index: Int, _ image: Image, _ other: Int, _ otherImage: Image) throws
    -> (backward: FlowField, forward: FlowField)
  {
    let known = (backward: try flowSource?(index, other), forward: try flowSource?(other, index))
    if known.backward == nil && known.forward == nil {
      let both = flow.flowsBothWays(between: otherImage.pixels, and: image.pixels)
      return (both.backward, both.forward)
    }
    return (
      known.backward?.resized(width: image.width, height: image.height)
        ?? flow.flow(from: image.pixels, to: otherImage.pixels),
      known.forward?.resized(width: image.width, height: image.height)
        ?? flow.flow(from: otherImage.pixels, to: image.pixels)
    )
  }
}

extension VideoStyleTransfer {
  /// One pass of Ruder et al.'s multi-pass method over the frames: the first runs forwards,
  /// later ones alternate, backwards in even passes and forwards in odd ones.
  public struct Pass: Sendable, Equatable {
    /// The pass, from 1.
    public let number: Int

    /// Pass `number`, from 1.
    public init(_ number: Int) {
      precondition(number >= 1, "passes count from 1")
      self.number = number
    }

    /// The step from one frame index to the next in this pass: +1 forwards, -1 backwards.
    public var step: Int { number % 2 == 1 ? 1 : -1 }

    /// The indices (0-based) of `frameCount` frames in the order this pass takes them.
    public func order(frameCount: Int) -> [Int] {
      step == 1 ? Array(0..<frameCount) : Array((0..<frameCount).reversed())
    }

    /// Where frame `index` (0-based) of `frameCount` comes in this pass, from 1.
    public func position(of index: Int, frameCount: Int) -> Int {
      step == 1 ? index + 1 : frameCount - index
    }
  }
}

/// Per pixel, sum_j w_j images[j] + (1 - sum_j w_j) fallback, where w_j takes what is left of
/// weights[j] after the closer images: min(weights[j], 1 - sum of earlier w). Weights are (H, W),
/// images (3, H, W).
func closestFirstBlend(_ images: [Image], weights: [[Float]], fallback: Image) -> Image {
  var pixels = fallback.pixels
  let plane = fallback.width * fallback.height
  for pixel in 0..<plane {
    var left: Float = 1
    var mixed: (Float, Float, Float) = (0, 0, 0)
    for (image, weight) in zip(images, weights) where left > 0 {
      let w = min(weight[pixel], left)
      mixed.0 += w * image.pixels.scalars[pixel]
      mixed.1 += w * image.pixels.scalars[plane + pixel]
      mixed.2 += w * image.pixels.scalars[2 * plane + pixel]
      left -= w
    }
    pixels.scalars[pixel] = mixed.0 + left * pixels.scalars[pixel]
    pixels.scalars[plane + pixel] = mixed.1 + left * pixels.scalars[plane + pixel]
    pixels.scalars[2 * plane + pixel] = mixed.2 + left * pixels.scalars[2 * plane + pixel]
  }
  return Image(pixels: pixels)
}

extension Duration {
  /// The duration in seconds.
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) * 1e-18
  }
}
