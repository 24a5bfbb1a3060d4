import ArgumentParser
import Engine
import Foundation
import Video

/// `stylize-video metrics --original in.mp4 --stylized out.mp4`: how much a stylised clip flickers.
struct Metrics: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure the temporal consistency of a stylised clip (E_warp and E_Ruder).",
    discussion: """
      Frames are compared as RGB on [0, 1]; x_t is stylised frame t. The optical flow \
      of the ORIGINAL frames, in both directions, gives for each pair (t, t+1)
        E_warp(t)    = sum M |x_t - warp(x_t+1)|^2 / sum M   (Lai et al. 2018)
        E_Ruder(t+1) = 1/(3HW) sum c (x_t+1 - warp(x_t))^2  (Ruder et al. 2016)
      M: not occluded (forward-backward check); c: reliability in [0, 1]; |.|^2 \
      sums the 3 channels. E_warp is reported for frames 1...T-1 and E_Ruder for \
      frames 2...T, each with its mean; lower is steadier. A clip measured against \
      itself scores the floor set by flow errors and noise, not 0; that floor is \
      printed too (the original clip's own errors). Compare stylisations of the \
      same clip with each other.

      The original frames are resized to the stylised frames' size (stylised output \
      is at the processing resolution).

      With --flow-dir the flows come from Middlebury .flo files and --original is \
      not read. For frames t and t+1 (1-based, in reading order, 5 digits) the \
      folder must hold both directions:
        forward_00001_00002.flo    frame 1 -> frame 2  (forward_<t>_<t+1>.flo)
        backward_00002_00001.flo   frame 2 -> frame 1  (backward_<t+1>_<t>.flo)
      Flows of another size are resized with their vectors scaled; values above \
      1e9 (unknown) count as occluded and unreliable.

      Example:
        stylize-video metrics --original in.mp4 --stylized in-stylized.mp4 --json
      """)

  @Option(
    help: ArgumentHelp(
      "The original clip: a video, a folder of frames or a pattern.", valueName: "input"))
  var original: String?

  @Option(
    help: ArgumentHelp(
      "The stylised clip: a video, a folder of frames or a pattern.", valueName: "input"))
  var stylized: String

  @Option(
    help: ArgumentHelp(
      "Read the flows from .flo files in this folder (see below).", valueName: "dir"))
  var flowDir: String?

  @Option(help: "Resize the stylised frames so their long side has this many pixels.")
  var size: Int?

  @Flag(help: "Print the result as JSON.")
  var json = false

  @Option(help: "Measure only the first N frames.")
  var frames: Int?

  @Option(help: ArgumentHelp(
    "Also write a picture of 4 frames across the clip: originals above, stylised below.",
    valueName: "png"))
  var strip: String?

  func validate() throws {
    guard original != nil || flowDir != nil else {
      throw ValidationError("Give the original clip with --original (or flows with --flow-dir).")
    }
    for path in [original, stylized].compactMap({ $0 }) {
      try validateInput(path, allowPattern: true)
    }
    try validateFlowFolder(flowDir)
    if let size, !(16...8192).contains(size) {
      throw ValidationError("--size must be between 16 and 8192 pixels, got \(size).")
    }
    if let frames, frames < 2 {
      throw ValidationError("--frames must be at least 2 (the metrics compare consecutive frames).")
    }
  }

  func run() throws {
    let summary = try measure(progress: ProgressReporter(quiet: false))
    print(json ? try summary.json() : summary.table())
  }

  /// Reads both clips and computes the metrics, reporting progress on standard error.
  func measure(progress: ProgressReporter) throws -> MetricsSummary {
    let stylizedReader = try VideoReader(stylized, options: ReadOptions(longSide: size))
    let (width, height) = (stylizedReader.width, stylizedReader.height)
    if width == 0 || height == 0 { throw CommandError.noPicture(stylized, warnings: []) }
    let originalReader = try openOriginal(width: width, height: height)
    let total =
      [frames, stylizedReader.info.frameCount, originalReader?.info.frameCount]
      .compactMap { $0 }.min() ?? 0
    var measurement = TemporalConsistency()
    let start = Date()
    var count = 0
    var originalEnded = false
    let stripIndices = Set((0..<4).map { $0 * max(total - 1, 0) / 3 })
    var stripFrames: [(original: Image, stylized: Image)] = []
    while count < (frames ?? Int.max), let frame = try stylizedReader.nextFrame() {
      let stylizedFrame = unitRange(Image(frame))
      if let originalReader {
        guard let originalFrame = try originalReader.nextFrame() else {
          progress.log("warning: '\(original ?? "")' ends after \(count) frames; measured those.")
          originalEnded = true
          break
        }
        var image = Image(originalFrame)
        if image.width != width || image.height != height {
          image = image.resized(width: width, height: height)
        }
        measurement.add(original: unitRange(image), stylized: stylizedFrame)
        if strip != nil && stripIndices.contains(count) { stripFrames.append((image, Image(frame))) }
      } else if let flowDir {
        let flows = try count == 0 ? nil : readFlows(in: flowDir, pair: count, width, height)
        measurement.add(stylized: stylizedFrame, forward: flows?.forward, backward: flows?.backward)
      }
      count += 1
      showProgress(count: count, of: total, since: start, progress)
    }
    progress.closeLine()
    if let originalReader, !originalEnded, count < (frames ?? Int.max),
      try originalReader.nextFrame() != nil
    {
      progress.log(
        "warning: '\(stylized)' has fewer frames than '\(original ?? "")'; measured \(count).")
    }
    if let strip, !stripFrames.isEmpty {
      try writeImage(stripPicture(stripFrames), to: strip, overwrite: true)
    }
    return try summary(of: measurement.report, count: count)
  }

  /// The original clip's reader, at about the stylised size (rounding differences are resized
  /// frame by frame); `nil` with `--flow-dir`, where the originals are not read.
  private func openOriginal(width: Int, height: Int) throws -> VideoReader? {
    guard flowDir == nil, let original else { return nil }
    let reader = try VideoReader(original, options: ReadOptions(longSide: max(width, height)))
    try checkAspect(reader.width, reader.height, of: original, against: width, height)
    return reader
  }

  /// The live line: frames done, seconds per frame and the time left.
  private func showProgress(
    count: Int, of total: Int, since start: Date, _ progress: ProgressReporter
  ) {
    let elapsed = Date().timeIntervalSince(start)
    let left = Double(max(total - count, 0)) * elapsed / Double(count)
    progress.update(
      "frame \(count)/\(total)  \(String(format: "%.2f", elapsed / Double(count))) s/frame  ETA "
        + formatDuration(left), milestone: count % 25 == 0)
  }

  /// What `run` prints, from the measurement of `count` frames.
  private func summary(of report: TemporalConsistency.Report, count: Int) throws
    -> MetricsSummary
  {
    guard let meanWarping = report.meanWarpingError, let meanRuder = report.meanRuderError else {
      throw CommandError(
        path: stylized,
        message: "'\(stylized)' has \(count) frame(s); the metrics need at least 2.")
    }
    return MetricsSummary(
      frameCount: report.frameCount, width: report.width, height: report.height,
      flow: flowDir == nil ? "estimated" : "files", warpingError: report.warpingErrors,
      ruderError: report.ruderErrors, meanWarpingError: meanWarping, meanRuderError: meanRuder,
      originalMeanWarpingError: report.originalMeanWarpingError,
      originalMeanRuderError: report.originalMeanRuderError)
  }

  /// The two flows between frames `pair` and `pair + 1` (1-based), resized to `width` x `height`.
  private func readFlows(in directory: String, pair: Int, _ width: Int, _ height: Int) throws
    -> (forward: FlowField, backward: FlowField)
  {
    // Frames `pair` and `pair + 1` counted from 1 are `pair - 1` and `pair` from 0.
    let paths = [
      flowFilePath(in: directory, from: pair - 1, to: pair),
      flowFilePath(in: directory, from: pair, to: pair - 1),
    ]
    let flows = try paths.map { path in
      let flow = try FlowField.read(from: path)
      try checkAspect(flow.width, flow.height, of: path, against: width, height)
      return flow.resized(width: width, height: height)
    }
    return (flows[0], flows[1])
  }

  /// Refuses sizes whose aspect ratio differs from the stylised frames' by more than 2 %.
  private func checkAspect(
    _ otherWidth: Int, _ otherHeight: Int, of path: String, against width: Int, _ height: Int
  ) throws {
    let ratio = (Double(otherWidth) / Double(otherHeight)) / (Double(width) / Double(height))
    guard abs(ratio - 1) <= 0.02 else {
      throw CommandError(
        path: path,
        message: "'\(path)' is \(otherWidth)x\(otherHeight) but the stylised frames are "
          + "\(width)x\(height); the aspect ratios differ, so they cannot show the same clip.")
    }
  }
}

/// The pixels of `image` as (3, H, W) RGB on [0, 1], the scale the metrics are defined on.
func unitRange(_ image: Image) -> Tensor {
  Tensor(shape: image.pixels.shape, scalars: image.pixels.scalars.map { $0 / 255 })
}

/// Pairs of frames side by side: originals in the top row, their stylisations below, 4 px apart.
func stripPicture(_ pairs: [(original: Image, stylized: Image)]) -> VideoFrame {
  let (width, height, gap) = (pairs[0].stylized.width, pairs[0].stylized.height, 4)
  let stripWidth = pairs.count * width + (pairs.count - 1) * gap
  let stripHeight = 2 * height + gap
  var rgb = [UInt8](repeating: 255, count: stripWidth * stripHeight * 3)
  for (column, pair) in pairs.enumerated() {
    for (row, image) in [pair.original, pair.stylized].enumerated() {
      let bytes = image.resized(width: width, height: height).rgbBytes()
      for y in 0..<height {
        let target = ((row * (height + gap) + y) * stripWidth + column * (width + gap)) * 3
        rgb.replaceSubrange(target..<(target + width * 3), with: bytes[(y * width * 3)..<((y + 1) * width * 3)])
      }
    }
  }
  return VideoFrame(width: stripWidth, height: stripHeight, rgb: rgb)
}
