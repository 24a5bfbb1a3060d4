import Engine

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
