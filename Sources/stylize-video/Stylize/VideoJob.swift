import ArgumentParser
import Engine
import Foundation
import Video

/// Stylises a video, frame folder or pattern in two steps: the frame loop into a work folder (one
/// lossless checkpoint per finished frame, so a run can be resumed), then the encode, which
/// takes the timing and the audio from the input.
struct VideoJob {
  let frames: FrameLoop
  let progress: ProgressReporter
  let input: String
  let outputPath: String
  let transcodeOptions: TranscodeOptions
  let keepWorkFolder: Bool

  /// Runs both steps; throws `Interrupted` after a Ctrl-C once the current frame is saved.
  func run() throws -> RunSummary {
    var summary = RunSummary()
    let times = try frames.run(&summary)
    try encode(stylizedFrameTimes: times, summary: &summary)
    if !keepWorkFolder { frames.workFolder.remove() }
    return summary
  }

  /// Writes the checkpoints of the last pass to the output with the input's timing and audio,
  /// from a second decode of the input; checks that it hands over the frames stylised, by their
  /// times, and that each of them was written (one image output takes the first alone): if
  /// not, nothing is written and the work folder stays.
  private func encode(stylizedFrameTimes times: [Double], summary: inout RunSummary) throws {
    progress.log("Encoding \(outputPath)")
    let transcoded = try transcode(
      from: input, to: outputPath,
      options: TranscodeOptions(
        read: ReadOptions(range: transcodeOptions.read.range), frameLimit: times.count,
        crf: transcodeOptions.crf, preset: transcodeOptions.preset,
        overwrite: transcodeOptions.overwrite, expectedFrameCount: times.count)
    ) { frame, frameIndex in
      if interruptRequested.load(ordering: .relaxed) {
        throw Interrupted(during: "the encode", saved: false, workFolder: frames.workFolder.path)
      }
      guard frameIndex < times.count, frame.time == times[frameIndex] else {
        throw CommandError(
          path: input,
          message: "'\(input)' read differently for the encode: frame \(frameIndex + 1) is at "
            + "\(frame.time) s, not at the time of the frame stylised; nothing was written, and "
            + "the finished frames are in '\(frames.workFolder.path)'.")
      }
      let saved = try readImage(frames.finishedFramePath(frameIndex))
      return VideoFrame(saved, time: frame.time)
    }
    summary.frames = transcoded.framesWritten
    summary.warnings += transcoded.warnings
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
