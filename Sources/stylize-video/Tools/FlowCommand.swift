import ArgumentParser
import Engine
import Foundation
import Video

/// `stylize-video flow <frame1> <frame2> -o flow.flo`: the optical flow between two pictures.
struct FlowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flow",
    abstract: "Compute the optical flow from one picture to another (Middlebury .flo).",
    discussion: """
      The flow maps each pixel (x, y) of <frame1> to its position (x + u, y + v) in \
      <frame2>, in pixels of the frames as read (after --size). It comes from the \
      built-in coarse-to-fine TV-L1 estimator, the one `metrics` uses. A video gives \
      its first frame. The .flo file is written under a temporary name and renamed.

      Example:
        stylize-video flow a.png b.png -o a-b.flo --png a-b.png
      """)

  @Argument(help: "The first picture: an image, or a video (its first frame).")
  var frame1: String

  @Argument(help: "The second picture, the same size as the first.")
  var frame2: String

  @Option(
    name: .shortAndLong,
    help: ArgumentHelp("The Middlebury .flo file to write.", valueName: "flow.flo"))
  var output: String

  @Option(
    help: ArgumentHelp("Also write the colour-coded flow (.png or .jpg).", valueName: "image"))
  var png: String?

  @Option(help: "Resize both pictures so their long side has this many pixels.")
  var size: Int?

  @Flag(help: "Replace existing output files.")
  var overwrite = false

  func validate() throws {
    for path in [frame1, frame2] {
      try validateInput(path, allowPattern: false)
    }
    if let size, !(16...8192).contains(size) {
      throw ValidationError("--size must be between 16 and 8192 pixels, got \(size).")
    }
    guard output.lowercased().hasSuffix(".flo") else {
      throw ValidationError("--output '\(output)' must end in .flo.")
    }
    try validateImageExtension(png, option: "--png")
    for path in [output] + (png.map { [$0] } ?? []) {
      try refuseExistingOutput(path, overwrite: overwrite)
    }
  }

  func run() throws {
    for path in [output] + (png.map { [$0] } ?? []) { try checkWritableFolder(of: path) }
    let options = ReadOptions(longSide: size)
    let first = try readFirstFrame(frame1, options: options)
    let second = try readFirstFrame(frame2, options: options)
    guard first.width == second.width, first.height == second.height else {
      throw CommandError(
        path: frame2,
        message: "'\(frame2)' is \(second.width)x\(second.height) but '\(frame1)' is "
          + "\(first.width)x\(first.height); the pictures must have the same size "
          + "(--size resizes both to the same long side)")
    }
    let start = Date()
    let flow = OpticalFlow().flow(from: Image(first).pixels, to: Image(second).pixels)
    let seconds = Date().timeIntervalSince(start)
    try writeFile(output, overwrite: overwrite) { try flow.write(to: $0) }
    if let png {
      let picture = VideoFrame(width: flow.width, height: flow.height, rgb: flow.colorCoded())
      try writeImage(picture, to: png, overwrite: overwrite)
    }
    let statistics = FlowStatistics(flow)
    print(
      String(
        format: "flow %dx%d: mean (u, v) (%.3f, %.3f) px, mean |w| %.3f px, max |w| %.3f px; "
          + "computed in %.2f s",
        flow.width, flow.height, statistics.meanU, statistics.meanV, statistics.meanMagnitude,
        statistics.maxMagnitude, seconds))
    print("wrote \(output)" + (png.map { " and \($0)" } ?? ""))
  }
}

/// Summary numbers of a flow field, over its known values.
struct FlowStatistics {
  /// Mean horizontal displacement in pixels.
  var meanU: Double = 0
  /// Mean vertical displacement in pixels.
  var meanV: Double = 0
  /// Mean length |w| = sqrt(u^2 + v^2) in pixels.
  var meanMagnitude: Double = 0
  /// Largest length in pixels.
  var maxMagnitude: Double = 0

  /// Summarises `flow`, skipping values marked unknown (> 1e9).
  init(_ flow: FlowField) {
    var count = 0
    for (u, v) in zip(flow.u, flow.v) where abs(u) <= 1e9 && abs(v) <= 1e9 {
      let length = (Double(u) * Double(u) + Double(v) * Double(v)).squareRoot()
      (meanU, meanV) = (meanU + Double(u), meanV + Double(v))
      meanMagnitude += length
      maxMagnitude = max(maxMagnitude, length)
      count += 1
    }
    if count > 0 {
      let n = Double(count)
      (meanU, meanV, meanMagnitude) = (meanU / n, meanV / n, meanMagnitude / n)
    }
  }
}
