import ArgumentParser
import Engine
import Foundation

/// The settings of the temporal method (Ruder et al.) for videos, frame folders and patterns.
struct VideoOptions: ParsableArguments {
  @Flag(help: "Stylise each frame on its own, like a first frame (no warm start, no temporal loss).")
  var independent = false

  @Option(help: "Weight of the temporal loss towards each earlier frame.")
  var temporalWeight: Float = 1e3

  @Option(help: ArgumentHelp(
    "Earlier frames the temporal loss looks back to, comma-separated (closest first wins).",
    valueName: "1,2,4"))
  var temporalFrames = "1,2,4"

  @Option(help: ArgumentHelp(
    "Most iterations for the first frame at each of its coarse-to-fine scales, coarsest first (each scale half the size of the next), or one number for every scale (default: \(Self.defaultFirstSchedule)). Scales under \(StyleTransfer.smallestCoarseSide) px on the short side are left out, their iterations moved to the next scale (a quarter per halving).",
    valueName: "n,n,..."))
  var firstIterations: String?

  @Option(help: "Coarse-to-fine scales for the first frame (1: full size only; 2: half size first, then full size; default: as many as --first-iterations lists).")
  var firstScales: Int?

  /// The engine's first-frame schedule, as the help shows it.
  static let defaultFirstSchedule = VideoStyleTransfer.Configuration().firstSchedule
    .map(String.init).joined(separator: ",")

  @Option(help: "Passes over the video (Ruder et al.'s multi-pass): each pass after the first runs --iterations per frame in the other direction, starting from the pass before blended with the neighbour just done. N passes take about N times as long.")
  var passes = 1

  @Option(help: ArgumentHelp(
    "Folder for the finished frames, to resume an interrupted run (default: <output>-work beside the output).",
    valueName: "path"))
  var workDir: String?

  @Option(help: ArgumentHelp(
    "Folder of precomputed flows (forward_00001_00002.flo: frame 1 to 2, backward_00002_00001.flo: frame 2 to 1, frames counted from 1; also for longer steps); missing files are estimated.",
    valueName: "path"))
  var flowDir: String?

  @Flag(help: "Discard the frames of an earlier run made with other settings.")
  var restart = false

  @Flag(help: "Keep the work folder after the video is written.")
  var keepWork = false

  func validate() throws {
    guard temporalWeight >= 0 && temporalWeight.isFinite else {
      throw ValidationError("--temporal-weight must be a finite number >= 0.")
    }
    _ = try parsedTemporalFrames()
    try validateFlowFolder(flowDir)
    _ = try firstSchedule()
    guard (1...20).contains(passes) else { throw ValidationError("--passes must be in 1...20.") }
    if passes > 1 && independent {
      throw ValidationError("--passes needs the temporal method: leave out --independent.")
    }
  }

  /// `1,2,4` as sorted, distinct frame distances.
  func parsedTemporalFrames() throws -> [Int] {
    var frames: [Int] = []
    for item in temporalFrames.split(separator: ",") {
      let text = item.trimmingCharacters(in: .whitespaces)
      guard let value = Int(text), (1...100).contains(value) else {
        throw ValidationError("--temporal-frames: '\(text)' is not a frame distance in 1...100.")
      }
      if !frames.contains(value) { frames.append(value) }
    }
    return frames.sorted()
  }

  /// The first frame's iterations per scale, coarsest first, from --first-iterations and
  /// --first-scales: a list is the schedule; one number is the limit at every one of
  /// --first-scales scales; --first-scales alone keeps the default's finest scales.
  func firstSchedule() throws -> [Int] {
    let defaults = VideoStyleTransfer.Configuration().firstSchedule
    if let firstScales, !(1...4).contains(firstScales) {
      throw ValidationError("--first-scales must be in 1...4.")
    }
    guard let firstIterations else {
      guard let firstScales else { return defaults }
      let finest = Array(defaults.suffix(firstScales))
      return Array(repeating: finest[0], count: firstScales - finest.count) + finest
    }
    let values = try firstIterations.split(separator: ",").map { item in
      let text = item.trimmingCharacters(in: .whitespaces)
      guard let value = Int(text), value >= 1 else {
        throw ValidationError("--first-iterations: '\(text)' is not an iteration count of 1 or more.")
      }
      return value
    }
    guard (1...4).contains(values.count) else {
      throw ValidationError("--first-iterations takes 1 to 4 counts, one per scale.")
    }
    if values.count == 1 { return Array(repeating: values[0], count: firstScales ?? defaults.count) }
    if let firstScales, firstScales != values.count {
      throw ValidationError(
        "--first-scales \(firstScales) does not match the \(values.count) counts of --first-iterations.")
    }
    return values
  }

  /// Reads the flow from frame `from` to frame `to` (0-based) out of `--flow-dir`; `nil` when
  /// there is no such file (the engine then estimates it).
  func flowFile(from: Int, to: Int) throws -> FlowField? {
    guard let flowDir else { return nil }
    let path = flowFilePath(in: flowDir, from: from, to: to)
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    return try FlowField.read(from: path)
  }

  /// The engine's video configuration, with `iterations` for the frames after the first.
  func configuration(iterations: Int?) throws -> VideoStyleTransfer.Configuration {
    var configuration = VideoStyleTransfer.Configuration()
    configuration.temporalFrames = try parsedTemporalFrames()
    configuration.firstSchedule = try firstSchedule()
    configuration.iterations = iterations ?? configuration.iterations
    configuration.independent = independent
    configuration.passes = passes
    return configuration
  }

  /// The video style transfer of these options around `transfer`, with `iterations` for the
  /// frames after the first and the flows of `--flow-dir` when given.
  func videoStyleTransfer(_ transfer: StyleTransfer, iterations: Int?) throws
    -> VideoStyleTransfer
  {
    let video = VideoStyleTransfer(
      transfer: transfer, configuration: try configuration(iterations: iterations))
    if flowDir != nil {
      let options = self
      video.flowSource = { try options.flowFile(from: $0, to: $1) }
    }
    return video
  }
}
