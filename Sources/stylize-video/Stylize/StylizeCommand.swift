import ArgumentParser
import Engine
import Foundation
import Video

/// `stylize-video <input> --style <image>`: the main job.
struct Stylize: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stylize",
    abstract: "Stylise a video, a folder of frames, a frame pattern or an image (the default command).",
    discussion: """
      Weights are relative and size-independent: every loss term is a mean (content: mean squared activation difference; style: mean squared Gram-matrix difference per layer, Gram = F F^T / (C*H*W); total variation: mean squared neighbour difference), so the same weights give the same style strength at any --size and for any number of styles (blend weights sum to 1). Raise --style-weight (or lower --content-weight) for a stronger painting.
      """)

  @Argument(help: "A video file, a folder of frames, a pattern such as frames/%05d.png, or an image.")
  var input: String

  @OptionGroup(title: "Style transfer") var options: StylizeOptions

  @OptionGroup(title: "Video") var videoOptions: VideoOptions

  @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
    "Where to write the result (default: <input stem>-stylized.<ext> next to the input; a folder for frame folders and patterns).", valueName: "path"))
  var output: String?

  @Option(help: "Only the first N frames of a video, for a quick look (audio cut to match).")
  var preview: Int?

  @Option(help: ArgumentHelp(
    "Start at this time (seconds: 12.5, or 1:02.5, 1:02:03) or frame number (120f, counted from 1).",
    valueName: "time|Nf"))
  var start: String?

  @Option(help: ArgumentHelp(
    "End before this time, or after this frame number (--end 48f keeps frame 48); the output starts at 0 with its audio.",
    valueName: "time|Nf"))
  var end: String?

  @OptionGroup var encodeOptions: EncodeOptions

  @Flag(help: "Replace an existing output.")
  var overwrite = false

  @Flag(help: "No progress on standard error.")
  var quiet = false

  @Flag(help: "Print a machine-readable summary (settings, time, losses, output) at the end.")
  var json = false

  func validate() throws {
    try options.validate()
    try videoOptions.validate()
    try encodeOptions.validate()
    if let preview, preview < 1 { throw ValidationError("--preview must be at least 1 frame.") }
    _ = try frameRange()
    try validateInput(input, allowPattern: true)
  }

  mutating func run() throws {
    let started = Date()
    let progress = ProgressReporter(quiet: quiet)
    let inputInfo = try MediaInfo.probe(input)
    let outputPath = output ?? defaultOutputPath(for: input, kind: inputInfo.kind)
    try refuseReplacingInput(outputPath, input: input)
    try checkOutput(outputPath, overwrite: overwrite)
    let transfer = try options.makeStyleTransfer(
      temporalWeight: videoOptions.temporalWeight, forVideo: inputInfo.kind != .image)

    let summary: RunSummary
    if inputInfo.kind == .image {
      let job = ImageJob(
        transfer: transfer, progress: progress, printEvery: options.styleOptions.common.printEvery,
        saveEvery: options.styleOptions.saveEvery, outputPath: outputPath, overwrite: overwrite)
      summary = try job.stylizeImage(input, longSide: options.styleOptions.longSide(for: inputInfo))
    } else {
      installInterruptHandler()
      transfer.shouldStop = { interruptRequested.load(ordering: .relaxed) }
      let job = try videoJob(
        transfer: transfer, info: inputInfo, outputPath: outputPath, progress: progress)
      summary = try job.run()
    }
    progress.closeLine()
    for warning in summary.warnings { progress.log("warning: \(warning)") }
    let seconds = Date().timeIntervalSince(started)
    progress.log(
      "Wrote \(outputPath) (\(summary.frames) frame\(summary.frames == 1 ? "" : "s"), "
        + "\(formatDuration(seconds)))")
    if json {
      print(try jsonSummary(summary, output: outputPath, seconds: seconds))
    }
  }

  /// The job that stylises a video input (not an image) with these options.
  func videoJob(
    transfer: StyleTransfer, info: MediaInfo, outputPath: String, progress: ProgressReporter
  ) throws -> VideoJob {
    let video = try videoOptions.videoStyleTransfer(
      transfer, iterations: options.styleOptions.iterations)
    let range = try frameRange()
    let frames = FrameLoop(
      video: video, progress: progress, printEvery: options.styleOptions.common.printEvery,
      input: input,
      workFolder: try WorkFolder(
        path: videoOptions.workDir ?? defaultWorkFolder(for: outputPath),
        settingsJSON: try settingsJSON(), restart: videoOptions.restart),
      longSide: options.styleOptions.longSide(for: info), range: range, frameLimit: preview,
      expectedFrames: min(preview ?? .max, expectedFrameCount(info, range: range)))
    return VideoJob(
      frames: frames, progress: progress, input: input, outputPath: outputPath,
      transcodeOptions: TranscodeOptions(
        read: ReadOptions(range: range), frameLimit: preview, crf: encodeOptions.crf,
        preset: encodeOptions.preset, overwrite: overwrite),
      keepWorkFolder: videoOptions.keepWork)
  }

  /// `--start` and `--end` as a range of the input.
  func frameRange() throws -> FrameRange {
    let range = FrameRange(
      start: try start.map { try parsePosition($0, option: "--start", isEnd: false) },
      end: try end.map { try parsePosition($0, option: "--end", isEnd: true) })
    let isEmpty =
      switch (range.start ?? .frame(0), range.end) {
      case (.seconds(let first), .seconds(let last)?): last <= first
      case (.frame(let first), .frame(let last)?): last <= first
      default: false
      }
    if isEmpty { throw ValidationError("--end must come after --start.") }
    return range
  }

  /// The settings of the work folder: the input by path, size and date.
  private func settingsJSON() throws -> String {
    try runSettingsJSON(
      input: .file(input), options: options, videoOptions: videoOptions,
      start: try frameRange().start)
  }

  private func jsonSummary(_ summary: RunSummary, output: String, seconds: Double) throws
    -> String
  {
    struct Report: Encodable {
      var input: String
      var output: String
      var frames: Int
      var seconds: Double
      var iterations: Int
      var finalLosses: StyleTransfer.Losses?
      var meanLosses: StyleTransfer.Losses?
      /// Per frame stylised by this run (in the last pass), in the order they were done.
      var frameLosses: [StyleTransfer.Losses]
      var settings: StylizeOptions.Settings
      var warnings: [String]
    }
    let report = Report(
      input: input, output: output, frames: summary.frames, seconds: seconds,
      iterations: summary.iterations, finalLosses: summary.frameLosses.last,
      meanLosses: summary.meanLosses, frameLosses: summary.frameLosses, settings: options.settings,
      warnings: summary.warnings)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(report), as: UTF8.self)
  }
}

/// Reads `12.5`, `1:02.5` or `1:02:03` as seconds and `120f` as frame 120 (counted from 1).
/// A frame number at the end is inclusive: the range ends after it.
func parsePosition(_ text: String, option: String, isEnd: Bool) throws -> FrameRange.Position {
  let trimmed = text.trimmingCharacters(in: .whitespaces)
  if trimmed.hasSuffix("f") {
    guard let number = Int(trimmed.dropLast()), number >= 1 else {
      throw ValidationError("\(option) '\(text)': a frame number counts from 1 (e.g. 120f).")
    }
    return .frame(isEnd ? number : number - 1)
  }
  let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
  var seconds = 0.0
  for (position, part) in parts.enumerated() {
    // Hours and minutes are whole; minutes and seconds after a colon are below 60.
    let isLast = position == parts.count - 1
    guard parts.count <= 3, let value = isLast ? Double(part) : Int(part).map(Double.init),
      value >= 0, value.isFinite, position == 0 || value < 60
    else {
      throw ValidationError(
        "\(option) '\(text)' is not a time (12.5, 1:02.5, 1:02:03) or a frame number (120f).")
    }
    seconds = seconds * 60 + value
  }
  return .seconds(seconds)
}

/// `<output without extension>-work` beside the output.
func defaultWorkFolder(for output: String) -> String {
  let url = URL(fileURLWithPath: output)
  let name = url.pathExtension.isEmpty ? url.lastPathComponent : url.deletingPathExtension().lastPathComponent
  return url.deletingLastPathComponent().appendingPathComponent(name + "-work").path
}

/// `<stem>-stylized.<ext>` beside the input; a `<name>-stylized` folder for frame folders and
/// patterns.
func defaultOutputPath(for input: String, kind: MediaInfo.Kind) -> String {
  var url = URL(fileURLWithPath: input)
  if kind == .imageSequence && input.contains("%") { url = url.deletingLastPathComponent() }
  let folder = url.deletingLastPathComponent()
  if kind == .imageSequence {
    return folder.appendingPathComponent(url.lastPathComponent + "-stylized").path
  }
  let stem = url.deletingPathExtension().lastPathComponent
  // Keep the input's type where we can write it; otherwise the nearest one we can.
  let writable = kind == .image ? ["png", "jpg", "jpeg"] : ["mp4", "mov", "mkv", "webm"]
  let ext =
    writable.contains(url.pathExtension.lowercased())
    ? url.pathExtension : (kind == .image ? "png" : "mp4")
  return folder.appendingPathComponent("\(stem)-stylized.\(ext)").path
}
