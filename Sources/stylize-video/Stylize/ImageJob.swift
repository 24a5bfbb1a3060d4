import ArgumentParser
import Engine
import Foundation
import Video

/// Stylises one image, or synthesises one texture, reporting progress with an ETA.
struct ImageJob {
  let transfer: StyleTransfer
  let progress: ProgressReporter
  let printEvery: Int
  let saveEvery: Int
  let outputPath: String
  let overwrite: Bool

  /// Stylises one image file into `outputPath`.
  func stylizeImage(_ path: String, longSide: Int) throws -> RunSummary {
    let reader = try VideoReader(path, options: ReadOptions(longSide: longSide))
    guard let frame = try reader.nextFrame() else {
      throw CommandError.noPicture(path, warnings: reader.warnings)
    }
    try requireNetworkSize(frame, of: path)
    var summary = try optimize { transfer.stylize(Image(frame), progress: $0) }
    summary.warnings = reader.warnings
    return summary
  }

  /// Synthesises a `width` x `height` texture from the style images into `outputPath`.
  func synthesizeTexture(width: Int, height: Int) throws -> RunSummary {
    try optimize { transfer.synthesizeTexture(width: width, height: height, progress: $0) }
  }

  /// Runs one optimisation, showing its progress and saving intermediate images, and writes
  /// the result to `outputPath`.
  private func optimize(
    _ run: (_ progress: (StyleTransfer.Progress) -> Void) -> StyleTransfer.Result
  ) throws -> RunSummary {
    var clock = IterationClock()
    var firstLosses: StyleTransfer.Losses?
    let result = run { state in
      clock.tick()
      if firstLosses == nil { firstLosses = state.losses }
      let iterationsLeft = Double(state.iterations - state.iteration)
      progress.update(
        iterationText(state, clock: clock, eta: iterationsLeft * clock.secondsPerIteration),
        milestone: state.iteration % printEvery == 0)
      if saveEvery > 0 && state.iteration % saveEvery == 0 {
        let path = intermediatePath(iteration: state.iteration)
        try? writeImage(VideoFrame(state.currentImage(), time: 0), to: path, overwrite: true)
      }
    }
    try writeImage(VideoFrame(result.image, time: 0), to: outputPath, overwrite: overwrite)
    return RunSummary(
      frames: 1, iterations: result.iterations, frameLosses: [result.losses],
      firstLosses: firstLosses)
  }

  /// `<output stem>-iter00100.png` beside the output.
  private func intermediatePath(iteration: Int) -> String {
    let url = URL(fileURLWithPath: outputPath)
    let stem = url.deletingPathExtension().lastPathComponent
    return url.deletingLastPathComponent()
      .appendingPathComponent(stem + String(format: "-iter%05d.png", iteration)).path
  }
}
