import ArgumentParser
import Engine
import Foundation
import Synchronization
import Video

/// Stylises a video, frame folder or pattern in two steps: frames into a work folder (one
/// lossless checkpoint per finished frame, so a run can be resumed), then the encode, which
/// takes the timing and the audio from the input. With several passes, the first pass also keeps
/// the originals at processing size, so later passes can run backwards.
struct VideoJob {
  let video: VideoStyleTransfer
  let progress: ProgressReporter
  let printEvery: Int
  let input: String
  let info: MediaInfo
  let outputPath: String
  let workFolder: WorkFolder
  let longSide: Int
  let transcodeOptions: TranscodeOptions
  let keepWorkFolder: Bool

  /// Runs both steps; throws `Interrupted` after a Ctrl-C once the current frame is saved.
  func run() throws -> RunSummary {
    var summary = RunSummary()
    let passes = video.configuration.passes
    let range = transcodeOptions.read.range
    let expected = max(
      1, min(transcodeOptions.frameLimit ?? .max, expectedFrameCount(info, range: range)))
    var tracker = FrameTracker(
      frames: expected, passes: passes, laterFrameIterations: video.configuration.iterations)
    try workFolder.createPassFolders(passes: passes)
    let times = try firstPass(&summary, tracker: &tracker)
    let frameCount = times.count
    tracker.frames = frameCount
    for pass in stride(from: 2, through: passes, by: 1) {
      summary.frameLosses = []
      try laterPass(pass, frameCount: frameCount, summary: &summary, tracker: &tracker)
    }
    try encode(stylizedFrameTimes: times, summary: &summary)
    if !keepWorkFolder { workFolder.remove() }
    return summary
  }

  /// Writes the checkpoints of the last pass to the output with the input's timing and audio,
  /// from a second decode of the input; checks that it hands over the frames stylised, by their
  /// times, and that each of them was written (one image output takes the first alone): if
  /// not, nothing is written and the work folder stays.
  private func encode(stylizedFrameTimes times: [Double], summary: inout RunSummary) throws {
    progress.log("Encoding \(outputPath)")
    let passes = video.configuration.passes
    let transcoded = try transcode(
      from: input, to: outputPath,
      options: TranscodeOptions(
        read: ReadOptions(range: transcodeOptions.read.range), frameLimit: times.count,
        crf: transcodeOptions.crf, preset: transcodeOptions.preset,
        overwrite: transcodeOptions.overwrite, expectedFrameCount: times.count)
    ) { frame, frameIndex in
      guard frameIndex < times.count, frame.time == times[frameIndex] else {
        throw CommandError(
          path: input,
          message: "'\(input)' read differently for the encode: frame \(frameIndex + 1) is at "
            + "\(frame.time) s, not at the time of the frame stylised; nothing was written, and "
            + "the finished frames are in '\(workFolder.path)'.")
      }
      let saved = try readImage(workFolder.framePath(frameIndex, pass: passes))
      return VideoFrame(saved, time: frame.time)
    }
    summary.frames = transcoded.framesWritten
    summary.warnings += transcoded.warnings
  }

  /// The frames from the decoder, in order; returns the time of each.
  private func firstPass(_ summary: inout RunSummary, tracker: inout FrameTracker) throws
    -> [Double]
  {
    let keepOriginals = video.configuration.passes > 1
    let reader = try VideoReader(
      input, options: ReadOptions(longSide: longSide, range: transcodeOptions.read.range))
    var times: [Double] = []
    while times.count < transcodeOptions.frameLimit ?? .max, let frame = try reader.nextFrame() {
      let index = times.count
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
    for index in VideoStyleTransfer.Pass(pass).order(frameCount: frameCount) {
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
    let label = tracker.label(index: index, pass: pass)
    if let saved = try? readImage(checkpoint), saved.width == original.width,
      saved.height == original.height
    {
      video.recordFinished(original: original, output: saved, index: index)
      tracker.skipped()
      if tracker.position(index: index, pass: pass) == 1 || tracker.done % printEvery == 0 {
        progress.log("\(label) already done (\(workFolder.path))")
      }
    } else {
      try stylizeFrame(
        index, label: label, into: checkpoint, summary: &summary, tracker: &tracker, run: stylize)
    }
    if interruptRequested.load(ordering: .relaxed) {
      throw Interrupted(done: label, workFolder: workFolder.path)
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
    let report = try run { state in
      if state.scale != clockScale { (clock, clockScale) = (IterationClock(), state.scale) }
      if state.scale == state.scales {
        let now = Date()
        if firstIterationEnd == nil { firstIterationEnd = now }
        lastIterationEnd = now
      }
      clock.tick()
      let estimate = FrameTimeEstimate(state: state, secondsPerIteration: clock.secondsPerIteration)
      tracker.fullSizeSecondsPerIteration = estimate.fullSizeSecondsPerIteration
      let eta = estimate.secondsLeftInFrame + tracker.secondsAfterCurrent
      progress.update(
        "\(label)  " + iterationText(state, clock: clock, eta: eta),
        milestone: state.iteration % printEvery == 0)
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

/// How long the frame in progress still needs, from the speed at its current scale: an
/// iteration at a later scale takes about as many times the seconds as it has the pixels.
struct FrameTimeEstimate {
  let secondsLeftInFrame: Double
  let fullSizeSecondsPerIteration: Double

  init(state: StyleTransfer.Progress, secondsPerIteration: Double) {
    fullSizeSecondsPerIteration = secondsPerIteration * state.pixelRatio(ofScale: state.scales)
    var left = Double(state.iterations - state.iteration) * secondsPerIteration
    for scale in stride(from: state.scale + 1, through: state.scales, by: 1) {
      left +=
        Double(state.iterationLimit(ofScale: scale)) * secondsPerIteration
        * state.pixelRatio(ofScale: scale)
    }
    secondsLeftInFrame = left
  }
}
