import ArgumentParser
import Engine
import Foundation
import Video

/// `stylize-video assemble plan.json -o out.mp4`: the segments of a plan as one video.
struct Assemble: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Join the stylised segments of a plan into one video, with the input's audio.",
    discussion: """
      Every segment must be complete (`run-segment`); those that are not are named. \
      Where a segment after a split inside a shot overlaps the one before, the output \
      cross-fades from the earlier segment to the later one over the overlap, so the \
      change between the two runs is spread over those frames. The output keeps the \
      timestamps and the audio of the input; it is written under a temporary name and \
      renamed when complete.
      """)

  @Argument(help: ArgumentHelp("The plan written by `stylize-video plan`.", valueName: "plan.json"))
  var plan: String

  @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
    "The video (or frame folder) to write.", valueName: "path"))
  var output: String

  @OptionGroup var encodeOptions: EncodeOptions

  @Flag(help: "Replace an existing output.")
  var overwrite = false

  @Flag(help: "No progress on standard error.")
  var quiet = false

  func validate() throws { try encodeOptions.validate() }

  func run() throws {
    let progress = ProgressReporter(quiet: quiet)
    let planPath = URL(fileURLWithPath: plan).standardizedFileURL.path
    let outputPath = URL(fileURLWithPath: output).standardizedFileURL.path
    let plan = try SegmentPlan.read(planPath)
    let incomplete = plan.segments.filter { !plan.isComplete($0) }.map { String($0.index) }
    guard incomplete.isEmpty else {
      throw CommandError(
        path: planPath,
        message: "\(incomplete.count == 1 ? "Segment" : "Segments") "
          + "\(incomplete.joined(separator: ", ")) of '\(planPath)' "
          + "\(incomplete.count == 1 ? "is" : "are") not complete; run "
          + "`stylize-video run-segment \(planPath) --index I` for each.")
    }
    let input = try plan.checkedCommand(planPath).input
    try checkOutput(outputPath, overwrite: overwrite)
    let started = Date()
    let summary = try transcode(
      from: input, to: outputPath,
      options: TranscodeOptions(
        crf: encodeOptions.crf, preset: encodeOptions.preset, overwrite: overwrite,
        expectedFrameCount: plan.frameCount)
    ) { frame, index in
      guard index < plan.frameCount else {
        throw CommandError(
          path: input,
          message: "'\(input)' has more frames than the \(plan.frameCount) planned; nothing "
            + "was written.")
      }
      let seconds = Date().timeIntervalSince(started)
      progress.update(
        "assembling: frame \(index + 1)/\(plan.frameCount), ETA "
          + formatDuration(seconds / Double(index + 1) * Double(plan.frameCount - index - 1)),
        milestone: (index + 1) % 500 == 0)
      return VideoFrame(try plan.assembledFrame(index), time: frame.time)
    }
    progress.closeLine()
    for warning in summary.warnings { progress.log("warning: \(warning)") }
    progress.log("Wrote \(outputPath) (\(summary.framesWritten) frames)")
  }
}

extension SegmentPlan {
  /// Output frame `index`: the frame of the segment that keeps it; in the last `W` frames
  /// before a split inside a shot, where the next segment warmed up over `W` frames, blended
  /// with that segment's frame: the j-th (from 0) gets weight (j + 1) / (W + 1) from the later
  /// segment, so the blend moves to it in even steps.
  func assembledFrame(_ index: Int) throws -> Image {
    let position = segments.partitioningIndex { $0.end > index }
    let segment = segments[position]
    let kept = try readImage(framePath(index, of: segment))
    guard position + 1 < segments.count else { return kept }
    let next = segments[position + 1]
    guard next.shot == segment.shot, next.warmUp > 0, index >= next.firstFrame else { return kept }
    let later = try readImage(framePath(index, of: next))
    guard later.width == kept.width, later.height == kept.height else {
      throw CommandError(
        path: framePath(index, of: next),
        message: "'\(framePath(index, of: next))' is \(later.width)x\(later.height), but "
          + "'\(framePath(index, of: segment))' is \(kept.width)x\(kept.height).")
    }
    let steps = next.warmUp + 1
    let weight = index - next.firstFrame + 1
    let blended = zip(kept.rgbBytes(), later.rgbBytes()).map { earlier, later in
      UInt8((Int(earlier) * (steps - weight) + Int(later) * weight + steps / 2) / steps)
    }
    return Image(width: kept.width, height: kept.height, rgb: blended)
  }
}

extension Array {
  /// The first index whose element satisfies `belongs`, for a predicate false then true along
  /// the array (binary search); `count` when none does.
  fileprivate func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
    var (low, high) = (0, count)
    while low < high {
      let middle = (low + high) / 2
      if belongs(self[middle]) { high = middle } else { low = middle + 1 }
    }
    return low
  }
}
