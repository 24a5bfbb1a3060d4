/// Measures how much a stylised sequence flickers: E_warp and E_Ruder over a whole clip.
///
/// Frames arrive one at a time (`add`), so memory stays at one previous frame whatever the clip
/// length. For each consecutive pair (t-1, t) the forward flow (t-1 -> t) and the backward flow
/// (t -> t-1) of the ORIGINAL frames give
///  - E_Ruder of frame t (Ruder et al. 2016): `ruderError` of the stylised frames with the
///    backward flow and `consistencyWeights(flow: backward, reverse: forward)`, and
///  - E_warp of frame t-1 (Lai et al. 2018): `warpingError` of the stylised frames with the
///    forward flow and `occlusionMask(flow: forward, reverse: backward)`,
/// so one pair of flows serves both metrics and E_warp's "next frame" needs no extra lookahead.
/// Frames are (3, H, W) RGB on [0, 1]; every frame must have the first frame's shape. Feed a
/// sequence through one of the two `add` forms (estimated flows, or given flows), not both.
public struct TemporalConsistency: Sendable {
  /// The result over the frames added so far.
  public struct Report: Sendable, Equatable, Codable {
    /// Frames added (T).
    public var frameCount: Int
    /// Frame width in pixels (0 before the first frame).
    public var width: Int
    /// Frame height in pixels (0 before the first frame).
    public var height: Int
    /// E_warp per frame 1...T; the last frame has no next frame and is `nil`.
    public var warpingErrors: [Float?]
    /// E_Ruder per frame 1...T; the first frame has no previous frame and is `nil`.
    public var ruderErrors: [Float?]
    /// Mean of the defined `warpingErrors` (frames 1...T-1); `nil` with fewer than two frames.
    public var meanWarpingError: Float?
    /// Mean of the defined `ruderErrors` (frames 2...T); `nil` with fewer than two frames.
    public var meanRuderError: Float?
    /// Mean E_warp of the original frames themselves: the floor that flow errors and noise set;
    /// `nil` unless the frames came with their originals (`add(original:stylized:)`).
    public var originalMeanWarpingError: Float?
    /// Mean E_Ruder of the original frames themselves, like `originalMeanWarpingError`.
    public var originalMeanRuderError: Float?
  }

  /// The errors of one consecutive pair (t-1, t).
  public struct PairErrors: Sendable, Equatable {
    /// E_warp of frame t-1 (against frame t).
    public var warping: Float
    /// E_Ruder of frame t (against frame t-1).
    public var ruder: Float
  }

  /// The estimator used by `add(original:stylized:)`.
  let estimator: OpticalFlow
  private var previousOriginal: Tensor?
  private var previousStylized: Tensor?
  private var warping: [Float] = []
  private var ruder: [Float] = []
  private var originalWarping: [Float] = []
  private var originalRuder: [Float] = []
  private var frameCount = 0
  private var shape: [Int] = []

  /// Starts an empty measurement; `estimator` computes flows for `add(original:stylized:)`.
  public init(estimator: OpticalFlow = OpticalFlow()) {
    self.estimator = estimator
  }

  /// Adds the next frame, with the flows estimated on the original frames (both directions).
  ///
  /// `original` and `stylized` are (3, H, W) RGB on [0, 1] of the same size. The original
  /// frames are measured too, with the same flows and masks (`Report.originalMeanWarpingError`).
  /// - Returns: the errors of the pair (previous, this frame); `nil` for the first frame.
  @discardableResult
  public mutating func add(original: Tensor, stylized: Tensor) -> PairErrors? {
    precondition(
      original.shape == stylized.shape,
      "TemporalConsistency: original \(original.shape) and stylised \(stylized.shape) differ")
    defer { previousOriginal = original }
    guard let previous = previousOriginal else {
      return add(stylized: stylized, forward: nil, backward: nil)
    }
    let forward = estimator.flow(from: previous, to: original)
    let backward = estimator.flow(from: original, to: previous)
    let masks = PairMasks(forward: forward, backward: backward)
    let baseline = masks.errors(previous: previous, current: original)
    originalWarping.append(baseline.warping)
    originalRuder.append(baseline.ruder)
    return add(stylized: stylized, masks: masks)
  }

  /// Adds the next frame with given flows between the previous frame and this one.
  ///
  /// - Parameters:
  ///   - stylized: (3, H, W) RGB on [0, 1].
  ///   - forward: from the previous frame to this one; `nil` only for the first frame.
  ///   - backward: from this frame to the previous one; `nil` only for the first frame.
  ///   Values marked unknown (> 1e9, as in Middlebury files) count as occluded and unreliable.
  /// - Returns: the errors of the pair (previous, this frame); `nil` for the first frame.
  @discardableResult
  public mutating func add(stylized: Tensor, forward: FlowField?, backward: FlowField?)
    -> PairErrors?
  {
    guard previousStylized != nil else { return add(stylized: stylized, masks: nil) }
    guard let forward, let backward else {
      preconditionFailure("TemporalConsistency: frame \(frameCount + 1) needs both flows")
    }
    return add(stylized: stylized, masks: PairMasks(forward: forward, backward: backward))
  }

  /// Checks the frame, measures it against the previous one with `masks` and keeps it.
  private mutating func add(stylized: Tensor, masks: PairMasks?) -> PairErrors? {
    precondition(
      stylized.shape.count == 3 && stylized.shape[0] == 3,
      "TemporalConsistency: frames must be (3, H, W), got \(stylized.shape)")
    if frameCount == 0 { shape = stylized.shape }
    precondition(
      stylized.shape == shape,
      "TemporalConsistency: frame \(frameCount + 1) is \(stylized.shape), the first was \(shape)")
    frameCount += 1
    defer { previousStylized = stylized }
    guard let previous = previousStylized, let masks else { return nil }
    let errors = masks.errors(previous: previous, current: stylized)
    warping.append(errors.warping)
    ruder.append(errors.ruder)
    return errors
  }

  /// The per-frame errors and their means so far.
  public var report: Report {
    func mean(_ values: [Float]) -> Float? {
      values.isEmpty ? nil : Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count))
    }
    let none: [Float?] = frameCount > 0 ? [nil] : []
    return Report(
      frameCount: frameCount, width: shape.count == 3 ? shape[2] : 0,
      height: shape.count == 3 ? shape[1] : 0,
      warpingErrors: warping.map { $0 } + none, ruderErrors: none + ruder.map { $0 },
      meanWarpingError: mean(warping), meanRuderError: mean(ruder),
      originalMeanWarpingError: mean(originalWarping), originalMeanRuderError: mean(originalRuder))
  }

  /// Measures a whole sequence held in memory: frame t of `originals` matches frame t of
  /// `stylized`, all (3, H, W) RGB on [0, 1].
  static func measure(
    originals: [Tensor], stylized: [Tensor], estimator: OpticalFlow = OpticalFlow()
  ) -> Report {
    precondition(
      originals.count == stylized.count,
      "TemporalConsistency: \(originals.count) original and \(stylized.count) stylised frames")
    var measurement = TemporalConsistency(estimator: estimator)
    for (original, frame) in zip(originals, stylized) {
      measurement.add(original: original, stylized: frame)
    }
    return measurement.report
  }
}

/// The flows of one pair of frames with their masks, ready to measure any frames of that pair.
struct PairMasks {
  /// From the earlier frame to the later one; unknown values set to 0.
  var forward: FlowField
  /// From the later frame to the earlier one; unknown values set to 0.
  var backward: FlowField
  /// Ruder's reliability c of the later frame, (H, W); 0 where `backward` was unknown.
  var weights: [Float]
  /// Lai's occlusion mask of the earlier frame, (H, W); true where `forward` was unknown.
  var occluded: [Bool]

  init(forward: FlowField, backward: FlowField) {
    precondition(
      forward.width == backward.width && forward.height == backward.height,
      "TemporalConsistency: forward and backward flows differ in size")
    (self.forward, self.backward) = (forward, backward)
    let unknownForward = self.forward.replacingUnknownByZero()
    let unknownBackward = self.backward.replacingUnknownByZero()
    weights = consistencyWeights(flow: self.backward, reverse: self.forward)
    for index in weights.indices where unknownBackward[index] { weights[index] = 0 }
    occluded = occlusionMask(flow: self.forward, reverse: self.backward)
    for index in occluded.indices where unknownForward[index] { occluded[index] = true }
  }

  /// E_warp of `previous` against `current` and E_Ruder of `current` against `previous`.
  func errors(previous: Tensor, current: Tensor) -> TemporalConsistency.PairErrors {
    let (h, w) = (current.shape[1], current.shape[2])
    precondition(
      forward.width == w && forward.height == h,
      "TemporalConsistency: flow \(forward.width)x\(forward.height) does not match frames \(w)x\(h)"
    )
    return TemporalConsistency.PairErrors(
      warping: warpingError(current: previous, next: current, flow: forward, occluded: occluded),
      ruder: ruderError(current: current, previous: previous, flow: backward, weights: weights))
  }
}
