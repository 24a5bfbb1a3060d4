import ArgumentParser
import Engine
import Foundation
import Video

/// Runs style transfer over an image or the frames of a video, reporting progress with an ETA.
struct StylizeJob {
  /// What a run did.
  struct Summary {
    var frames = 0
    var iterations = 0
    var lastLosses: StyleTransfer.Losses?
    var warnings: [String] = []
  }

  let transfer: StyleTransfer
  let progress: ProgressReporter
  let printEvery: Int
  let saveEvery: Int
  let outputPath: String
  let overwrite: Bool

  /// Stylises one image file into `outputPath`.
  func stylizeImage(_ path: String, longSide: Int) throws -> Summary {
    try refuseExistingOutput()
    let reader = try VideoReader(path, options: ReadOptions(longSide: longSide))
    guard let frame = try reader.nextFrame() else {
      throw ValidationError("'\(path)' holds no picture.")
    }
    var clock = IterationClock()
    let result = transfer.stylize(Image(frame)) { state in
      clock.tick()
      let iterationsLeft = Double(state.iterations - state.iteration)
      report(state, prefix: "", etaSeconds: iterationsLeft * clock.secondsPerIteration, clock: clock)
      if saveEvery > 0 && state.iteration % saveEvery == 0 {
        let path = intermediatePath(iteration: state.iteration)
        try? writeImage(VideoFrame(state.currentImage(), time: 0), to: path, overwrite: true)
      }
    }
    try writeImage(VideoFrame(result.image, time: 0), to: outputPath, overwrite: overwrite)
    return Summary(
      frames: 1, iterations: result.iterations, lastLosses: result.losses,
      warnings: reader.warnings)
  }

  /// Stylises every frame of a video, folder or pattern (each on its own) into `outputPath`,
  /// keeping the audio and the timing.
  func stylizeVideo(_ path: String, info: MediaInfo, options: TranscodeOptions) throws -> Summary {
    try refuseExistingOutput()
    let frameTotal = max(1, min(options.frameLimit ?? Int.max, info.frameCount))
    let maxIterations = transfer.configuration.iterations
    var summary = Summary()
    var finishedFrameSeconds: [Double] = []
    let transcoded = try transcode(from: path, to: outputPath, options: options) { frame, index in
      let frameStart = Date()
      var clock = IterationClock()
      let result = transfer.stylize(Image(frame)) { state in
        clock.tick()
        // Finished frames tell the time per frame best; before the first one, assume every
        // frame runs all its iterations.
        let framesLeft = Double(max(0, frameTotal - index - 1))
        let perFrame =
          finishedFrameSeconds.isEmpty
          ? Double(maxIterations) * clock.secondsPerIteration
          : finishedFrameSeconds.reduce(0, +) / Double(finishedFrameSeconds.count)
        let thisFrameLeft = Double(state.iterations - state.iteration) * clock.secondsPerIteration
        report(
          state, prefix: "frame \(index + 1)/\(frameTotal)  ",
          etaSeconds: min(thisFrameLeft, perFrame) + framesLeft * perFrame, clock: clock)
      }
      finishedFrameSeconds.append(Date().timeIntervalSince(frameStart))
      summary.iterations += result.iterations
      summary.lastLosses = result.losses
      progress.log(
        String(
          format: "frame %d/%d done in %.1f s (%d iterations, loss %.4g)", index + 1, frameTotal,
          finishedFrameSeconds.last ?? 0, result.iterations, result.losses.total))
      return VideoFrame(result.image, time: frame.time)
    }
    summary.frames = transcoded.framesWritten
    summary.warnings = transcoded.warnings
    return summary
  }

  private func report(
    _ state: StyleTransfer.Progress, prefix: String, etaSeconds: Double, clock: IterationClock
  ) {
    let text =
      prefix
      + String(
        format: "iter %d/%d  loss %.4g (style %.3g, content %.3g, tv %.3g)  %.2f s/iter  ETA ",
        state.iteration, state.iterations, state.losses.total, state.losses.style,
        state.losses.content, state.losses.totalVariation, clock.secondsPerIteration)
      + formatDuration(etaSeconds)
    progress.update(text, milestone: state.iteration % printEvery == 0 || state.iteration == 1)
  }

  private func refuseExistingOutput() throws {
    if !overwrite && FileManager.default.fileExists(atPath: outputPath) {
      throw ValidationError("Output '\(outputPath)' exists; use --overwrite to replace it.")
    }
  }

  /// `<output stem>-iter00100.png` beside the output.
  private func intermediatePath(iteration: Int) -> String {
    let url = URL(fileURLWithPath: outputPath)
    let stem = url.deletingPathExtension().lastPathComponent
    return url.deletingLastPathComponent()
      .appendingPathComponent(stem + String(format: "-iter%05d.png", iteration)).path
  }
}

/// Seconds per iteration, averaged over the iterations so far (the first one is warm-up).
struct IterationClock {
  private var start = Date()
  private var last = Date()
  private var ticks = 0

  /// Marks the end of an iteration.
  mutating func tick() {
    ticks += 1
    last = Date()
    if ticks == 1 { start = last }
  }

  /// The mean time of the iterations after the first (the first pays for allocation).
  var secondsPerIteration: Double {
    ticks > 1 ? last.timeIntervalSince(start) / Double(ticks - 1) : 0
  }
}
