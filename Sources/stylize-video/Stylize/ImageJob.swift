import ArgumentParser
import Engine
import Foundation
import Video

/// What a run did.
struct RunSummary {
  var frames = 0
  var iterations = 0
  /// The final losses of each image or frame stylised by this run (not of resumed frames).
  var frameLosses: [StyleTransfer.Losses] = []
  /// The losses at the first iteration of a single image (where it started from).
  var firstLosses: StyleTransfer.Losses?
  var warnings: [String] = []
  /// Where the time of each frame stylised by this run went, in the order they were done.
  var frameTimings: [FrameTiming] = []

  /// Each loss term averaged over `frameLosses`.
  var meanLosses: StyleTransfer.Losses? {
    guard !frameLosses.isEmpty else { return nil }
    let count = Float(frameLosses.count)
    var mean = StyleTransfer.Losses()
    for losses in frameLosses {
      mean.content += losses.content / count
      mean.style += losses.style / count
      mean.totalVariation += losses.totalVariation / count
      mean.temporal += losses.temporal / count
    }
    return mean
  }
}

/// The time of one stylised video frame and its parts.
struct FrameTiming {
  /// 0-based frame index.
  var index: Int
  /// The whole frame: flow, optimisation and its checkpoint.
  var seconds: Double
  /// Optical flow with its warps and masks (`VideoStyleTransfer.FrameReport.flowSeconds`).
  var flowSeconds: Double
  /// Earlier frames brought in by flow.
  var flowPairs: Int
  /// Iterations of the optimiser.
  var iterations: Int
  /// Seconds from the end of the first iteration to the end of the last: iterations - 1
  /// forward and backward passes with their optimiser steps.
  var laterIterationsSeconds: Double

  /// Seconds of all iterations, the first counted at the mean of the others.
  var iterationsSeconds: Double {
    iterations > 1 ? laterIterationsSeconds * Double(iterations) / Double(iterations - 1) : .nan
  }
}

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
      throw CommandError("'\(path)' holds no picture.")
    }
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
