import Engine
import Foundation
import Video

/// `bench --clip`: the whole-clip time of a video at the main command's default settings, run
/// through the same `VideoJob` as `stylize-video <clip> --style <style>`.
struct ClipBenchmark {
  /// The demo's clip and style, relative to the repository (`make samples` makes them).
  static let sampleClip = "samples/clip.mp4"
  static let sampleStyle = "samples/style.png"

  let clip: String
  let style: String
  /// Only the first N frames (`--preview N`); `nil`: all of them.
  let frames: Int?
  /// The long side of the frames stylised (`--size`); `nil`: the main command's default.
  let size: Int?
  let weights: String?
  let runs: Int

  /// One run's figures.
  struct Run {
    var frames: [FrameTiming]
    var totalSeconds: Double
    /// The long side of the frames as stylised, in pixels.
    var longSide: Int
  }

  /// Stylises the clip `runs` times into a temporary folder (removed afterwards) with progress
  /// and an ETA on standard error; returns the table.
  func run() throws -> String {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("stylize-video-bench-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var results: [Run] = []
    for number in 1...runs {
      if runs > 1 { writeStandardError("bench --clip: run \(number) of \(runs)\n") }
      results.append(try runOnce(output: folder + "/clip.mp4"))
    }
    return try table(results)
  }

  private func runOnce(output: String) throws -> Run {
    var arguments = [clip, "--style", style, "-o", output, "--overwrite", "--restart"]
    if let frames { arguments += ["--preview", String(frames)] }
    if let size { arguments += ["--size", String(size)] }
    if let weights { arguments += ["--weights", weights] }
    let stylize = try Stylize.parse(arguments)
    let started = Date()
    let progress = ProgressReporter(quiet: false)
    let info = try MediaInfo.probe(clip)
    let transfer = try stylize.options.makeStyleTransfer(
      temporalWeight: stylize.videoOptions.temporalWeight, forVideo: true)
    let summary = try stylize.videoJob(
      transfer: transfer, info: info, outputPath: output, progress: progress
    ).run()
    progress.closeLine()
    return Run(
      frames: summary.frameTimings, totalSeconds: Date().timeIntervalSince(started),
      longSide: stylize.options.styleOptions.longSide(for: info))
  }

  /// The printed table: the best run's frames, and the best of each figure over the runs.
  private func table(_ runs: [Run]) throws -> String {
    let info = try MediaInfo.probe(clip)
    guard let best = runs.min(by: { $0.totalSeconds < $1.totalSeconds }),
      let first = best.frames.first
    else { return "bench --clip: no frame was stylised" }
    let later = best.frames.dropFirst()
    let pairs = later.reduce(0) { $0 + $1.flowPairs }
    let flow = later.reduce(0) { $0 + $1.flowSeconds }
    let laterSeconds = later.reduce(0) { $0 + $1.seconds }
    let iterations = later.reduce(0) { $0 + $1.iterationsSeconds }
    var lines = [
      "whole clip: \(clip) (\(info.displayWidth)x\(info.displayHeight), stylised at "
        + "\(best.longSide) px on the long side), style \(style), \(best.frames.count) frames at "
        + "default settings, \(coreCountText)",
    ]
    func row(_ label: String, _ value: String) {
      let padding = String(repeating: " ", count: max(1, 44 - label.count))
      lines.append("  " + label + padding + String(repeating: " ", count: max(0, 9 - value.count)) + value)
    }
    row("", "seconds")
    row("first frame (\(first.iterations) iterations)", String(format: "%.1f", first.seconds))
    if let fastest = later.min(by: { $0.seconds < $1.seconds }),
      let slowest = later.max(by: { $0.seconds < $1.seconds })
    {
      row(
        "later frame, mean of \(later.count)", String(format: "%.2f", laterSeconds / Double(later.count)))
      row("later frame, best", String(format: "%.2f", fastest.seconds))
      row("later frame, worst", String(format: "%.2f", slowest.seconds))
    }
    if pairs > 0 {
      row("flow per pair (both ways, warp, mask)", String(format: "%.3f", flow / Double(pairs)))
      row(
        "outside the iterations, per later frame",
        String(
          format: "%.2f", (laterSeconds - iterations) / Double(later.count)))
      row(
        "  share of later frames' time",
        String(format: "%.1f %%", 100 * (laterSeconds - iterations) / laterSeconds))
    }
    row(
      "total (decode to encoded file)" + (runs.count > 1 ? ", best of \(runs.count)" : ""),
      String(format: "%.1f", best.totalSeconds))
    return lines.joined(separator: "\n")
  }

  private var coreCountText: String {
    "\(ProcessInfo.processInfo.activeProcessorCount) cores"
  }
}
