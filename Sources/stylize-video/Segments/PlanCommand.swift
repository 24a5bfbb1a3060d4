import ArgumentParser
import Engine
import Foundation
import Video

/// `stylize-video plan in.mp4 --style s.jpg -o plan.json`: one video cut into segments that
/// separate tasks of a batch engine stylise (`run-segment`), joined by `assemble`.
struct Plan: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Split a video into shots and segments for tasks on other machines (plan.json).",
    discussion: """
      Decodes the input once at low resolution, finds the hard cuts (a jump in colour \
      confirmed by the optical flow failing), and splits each shot into segments of at \
      most --segment-frames frames. Every segment after the first of its shot also \
      stylises the --overlap frames before it, which `assemble` cross-fades into the \
      segment before, so the join does not show; after a cut a segment starts cold. The \
      plan holds the options (all those of the main command), the settings they give, \
      a digest of the input and the segments.

      Then, for each segment I (0...N-1, e.g. as a Slurm array or Kubernetes Indexed Job):
        stylize-video run-segment plan.json --index I
      and once all are done:
        stylize-video assemble plan.json -o out.mp4
      The segments' frames go to --work-dir (default: <plan stem>-segments beside the \
      plan), which every task must see at the same path, like the input and style images.
      """)

  @Argument(help: "A video file or a folder of frames.")
  var input: String

  @OptionGroup(title: "Style transfer") var options: StylizeOptions

  @OptionGroup(title: "Video") var videoOptions: VideoOptions

  @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
    "The plan file to write.", valueName: "plan.json"))
  var output: String

  @Option(help: "Most frames a segment keeps (its task's share of the work).")
  var segmentFrames = 240

  /// Two independent runs differ at a join by about 100 times the change between two frames
  /// of one run (E_warp, stream-of-water at 128 px); the cross-fade adds 1 / (W + 1)^2 of that
  /// to each of its pairs, so 16 frames keep the joins within about 1.4 times the inside.
  @Option(help: "Frames a segment after a split stylises before its own, cross-faded at the join.")
  var overlap = 16

  @Flag(help: "Replace an existing plan.")
  var overwrite = false

  @Flag(help: "No progress on standard error.")
  var quiet = false

  func validate() throws {
    try options.validate()
    try videoOptions.validate()
    guard segmentFrames >= 2 else { throw ValidationError("--segment-frames must be at least 2.") }
    guard overlap >= 0 && 2 * overlap <= segmentFrames else {
      throw ValidationError("--overlap must be in 0...\(segmentFrames / 2) (half --segment-frames).")
    }
    if videoOptions.restart || videoOptions.keepWork {
      throw ValidationError("--restart and --keep-work are not options of a plan.")
    }
    try validateInput(input, allowPattern: false)
  }

  func run() throws {
    let progress = ProgressReporter(quiet: quiet)
    let info = try MediaInfo.probe(input)
    guard info.kind != .image else {
      throw CommandError(path: input, message: "'\(input)' is a single image; plan is for videos.")
    }
    try checkOutput(output, overwrite: overwrite)
    let digest = try digest(ofInput: input)
    let (frameCount, candidates) = try findCuts(info: info, progress: progress)
    let planURL = URL(fileURLWithPath: output)
    let folder =
      videoOptions.workDir
      ?? planURL.deletingLastPathComponent().appendingPathComponent(
        planURL.deletingPathExtension().lastPathComponent + "-segments"
      ).path
    let plan = SegmentPlan(
      input: input, inputDigest: digest, frameCount: frameCount,
      arguments: try planArguments(), directory: FileManager.default.currentDirectoryPath,
      settings: try settingsJSON(digest: digest), passes: videoOptions.passes,
      segmentsFolder: URL(fileURLWithPath: folder).standardizedFileURL.path,
      segmentFrames: segmentFrames, overlap: overlap, cutCandidates: candidates,
      segments: SegmentPlan.segments(
        frameCount: frameCount, cuts: candidates.filter(\.isCut).map(\.frame),
        segmentFrames: segmentFrames, overlap: overlap))
    try plan.write(to: output, overwrite: overwrite)
    let cuts = plan.cuts.map { String($0 + 1) }
    print(
      "\(output): \(frameCount) frames, \(cuts.count) cut\(cuts.count == 1 ? "" : "s")"
        + (cuts.isEmpty ? "" : " (before frame \(cuts.joined(separator: ", ")))")
        + ", \(plan.segments.count) segments (--index 0...\(plan.segments.count - 1)); "
        + "frames in \(plan.segmentsFolder)")
  }

  /// The settings of the plan's segments: the input by its digest.
  func settingsJSON(digest: String) throws -> String {
    try runSettingsJSON(
      input: .digest(input, digest), options: options, videoOptions: videoOptions, start: nil)
  }

  /// One decode at 96 pixels a side through the cut detector; the frame count and candidates.
  private func findCuts(info: MediaInfo, progress: ProgressReporter) throws
    -> (frames: Int, candidates: [CutDetector.Evidence])
  {
    let reader = try VideoReader(input, options: ReadOptions(longSide: 96))
    var detector = CutDetector()
    var candidates: [CutDetector.Evidence] = []
    var count = 0
    let start = Date()
    while let frame = try reader.nextFrame() {
      if let evidence = detector.add(Image(frame)) {
        candidates.append(evidence)
        progress.log(
          String(
            format: "frame %d: %@ (histogram distance %.2f, thumbnail difference %.3f vs %.3f, "
              + "reliable flow %.0f %%)", evidence.frame + 1,
            evidence.isCut ? "cut" : "no cut", evidence.histogramDistance,
            evidence.thumbnailDifference, evidence.usualThumbnailDifference,
            100 * evidence.reliableShare))
      }
      count += 1
      let seconds = Date().timeIntervalSince(start)
      progress.update(
        "finding cuts: frame \(count)/\(info.frameCount), ETA "
          + formatDuration(seconds / Double(count) * Double(max(0, info.frameCount - count))),
        milestone: count % 500 == 0)
    }
    progress.closeLine()
    for warning in reader.warnings { progress.log("warning: \(warning)") }
    guard count > 0 else { throw CommandError.noPicture(input, warnings: reader.warnings) }
    return (count, candidates)
  }

  /// The arguments after `plan` on this process's command line (a task parses them again).
  private func planArguments() throws -> [String] {
    let arguments = CommandLine.arguments.dropFirst()
    guard arguments.first == "plan" else {
      throw CommandError(path: output, message: "plan must be run as `stylize-video plan ...`.")
    }
    return Array(arguments.dropFirst())
  }
}
