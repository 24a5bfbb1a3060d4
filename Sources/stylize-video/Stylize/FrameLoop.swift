import Engine
import Foundation
import Synchronization
import Video

/// The frame loop of a video job: stylises the frames of `input` in `range` into a work folder,
/// one lossless checkpoint per finished frame, taking the checkpoints of an earlier run instead
/// of stylising those frames again (so a killed run continues where it stopped). With several
/// passes, the first pass also keeps the originals at processing size, so later passes can run
/// backwards.
///
/// Frames are numbered from `firstIndex` (the index of the first frame read): checkpoints are
/// named by that number, and the engine sees it (for `--flow-dir` files and its history).
struct FrameLoop {
  let video: VideoStyleTransfer
  let progress: ProgressReporter
  let printEvery: Int
  let input: String
  let workFolder: WorkFolder
  let longSide: Int
  /// The frames of the input to stylise.
  let range: FrameRange
  /// At most this many frames from the start of `range`.
  let frameLimit: Int?
  /// About how many frames `range` holds (for progress until the first pass has read them).
  let expectedFrames: Int
  /// The number of the first frame read.
  var firstIndex = 0

  /// Runs every pass; returns the time of each frame read. Throws `Interrupted` after a Ctrl-C
  /// once the current frame is saved.
  func run(_ summary: inout RunSummary) throws -> [Double] {
    let passes = video.configuration.passes
    var tracker = FrameTracker(
      frames: max(1, expectedFrames), passes: passes,
      laterFrameIterations: video.configuration.iterations)
    try workFolder.createPassFolders(passes: passes)
    let times = try firstPass(&summary, tracker: &tracker)
    tracker.frames = times.count
    for pass in stride(from: 2, through: passes, by: 1) {
      summary.frameLosses = []
      try laterPass(pass, frameCount: times.count, summary: &summary, tracker: &tracker)
    }
    return times
  }

  /// The checkpoint of frame `index` after the last pass: the finished frame.
  func finishedFramePath(_ index: Int) -> String {
    workFolder.framePath(index, pass: video.configuration.passes)
  }

  /// The frames from the decoder, in order; returns the time of each.
  private func firstPass(_ summary: inout RunSummary, tracker: inout FrameTracker) throws
    -> [Double]
  {
    let keepOriginals = video.configuration.passes > 1
    let reader = try VideoReader(input, options: ReadOptions(longSide: longSide, range: range))
    var times: [Double] = []
    while times.count < frameLimit ?? .max, let frame = try reader.nextFrame() {
      let index = firstIndex + times.count
      try requireNetworkSize(frame, of: input)
      let original = Image(frame)
      if keepOriginals, !FileManager.default.fileExists(atPath: workFolder.originalPath(index)) {
        try writeImage(frame, to: workFolder.originalPath(index), overwrite: true)
      }
      try process(index, pass: 1, original: original, summary: &summary, tracker: &tracker) {
        try video.stylizeNext(original, index: index, progress: $0)
      }
      times.append(frame.time)
    }
    summary.warnings += reader.warnings
    return times
  }

  /// Pass `pass` (2, 3, ...): backwards when even, from the originals and the pass before.
  private func laterPass(
    _ pass: Int, frameCount: Int, summary: inout RunSummary, tracker: inout FrameTracker
  ) throws {
    video.beginPass(pass)
    for local in VideoStyleTransfer.Pass(pass).order(frameCount: frameCount) {
      let index = firstIndex + local
      let original = try readImage(workFolder.originalPath(index))
      try process(index, pass: pass, original: original, summary: &summary, tracker: &tracker) {
        let previous = try readImage(workFolder.framePath(index, pass: pass - 1))
        return try video.refineNext(original, index: index, previous: previous, progress: $0)
      }
    }
  }

  /// Stylises one frame with progress and saves its checkpoint, or takes the checkpoint of an
  /// earlier run; stops (after saving) when Ctrl-C was pressed.
  private func process(
    _ index: Int, pass: Int, original: Image, summary: inout RunSummary,
    tracker: inout FrameTracker,
    stylize: ((StyleTransfer.Progress) -> Void) throws -> VideoStyleTransfer.FrameReport
  ) throws {
    let checkpoint = workFolder.framePath(index, pass: pass)
    let label = tracker.label(index: index - firstIndex, pass: pass)
    if let saved = try? readImage(checkpoint), saved.width == original.width,
      saved.height == original.height
    {
      video.recordFinished(original: original, output: saved, index: index)
      tracker.skipped()
      if tracker.position(index: index - firstIndex, pass: pass) == 1
        || tracker.done % printEvery == 0
      {
        progress.log("\(label) already done (\(workFolder.path))")
      }
    } else {
      try stylizeFrame(
        index, label: label, into: checkpoint, summary: &summary, tracker: &tracker, run: stylize)
    }
    if interruptRequested.load(ordering: .relaxed) {
      throw Interrupted(during: label, saved: true, workFolder: workFolder.path)
    }
  }

  /// Stylises frame `index` with progress on standard error, saves it to `checkpoint` and
  /// records its losses and timings.
  private func stylizeFrame(
    _ index: Int, label: String, into checkpoint: String, summary: inout RunSummary,
    tracker: inout FrameTracker,
    run: ((StyleTransfer.Progress) -> Void) throws -> VideoStyleTransfer.FrameReport
  ) throws {
    let started = Date()
    var clock = IterationClock()
    var clockScale = 1
    var (firstIterationEnd, lastIterationEnd): (Date?, Date?) = (nil, nil)
    let report: VideoStyleTransfer.FrameReport
    do {
      report = try run { state in
        if state.scale != clockScale { (clock, clockScale) = (IterationClock(), state.scale) }
        if state.scale == state.scales {
          let now = Date()
          if firstIterationEnd == nil { firstIterationEnd = now }
          lastIterationEnd = now
        }
        clock.tick()
        let estimate = FrameTimeEstimate(
          state: state, secondsPerIteration: clock.secondsPerIteration)
        tracker.fullSizeSecondsPerIteration = estimate.fullSizeSecondsPerIteration
        let eta = estimate.secondsLeftInFrame + tracker.secondsAfterCurrent
        progress.update(
          "\(label)  " + iterationText(state, clock: clock, eta: eta),
          milestone: state.iteration % printEvery == 0)
      }
    } catch is CancellationError {
      progress.closeLine()
      throw Interrupted(during: label, saved: false, workFolder: workFolder.path)
    }
    try writeImage(VideoFrame(report.result.image, time: 0), to: checkpoint, overwrite: true)
    let seconds = Date().timeIntervalSince(started)
    tracker.finished(seconds: seconds)
    summary.iterations += report.result.iterations
    summary.frameLosses.append(report.result.losses)
    let iterationSpan =
      firstIterationEnd.flatMap { first in lastIterationEnd?.timeIntervalSince(first) } ?? 0
    summary.frameTimings.append(
      FrameTiming(
        index: index, seconds: seconds, flowSeconds: report.flowSeconds,
        flowPairs: report.flowPairs, iterations: report.result.iterations,
        laterIterationsSeconds: iterationSpan))
    progress.log(
      String(
        format: "%@: %.1f s (flow %.1f s), %d iterations, loss %.4g; ETA ", label, seconds,
        report.flowSeconds, report.result.iterations, report.result.losses.total)
        + formatDuration(tracker.secondsAfterCurrent))
  }
}
