import ArgumentParser
import Foundation
import Video

/// `stylize-video probe <input> [--json]`: prints the stream facts of a video, image or frame folder.
struct Probe: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the stream facts of a video, an image, a folder of frames or a frame pattern.")

  @Argument(help: "A video file, an image, a folder of frames, or a pattern like frames/%05d.png.")
  var input: String

  @Flag(help: "Print the facts as JSON.")
  var json = false

  @Option(help: "Frame rate assumed for folders and patterns.")
  var frameRate: Double?

  func validate() throws {
    if let frameRate, frameRate <= 0 { throw ValidationError("--frame-rate must be positive.") }
  }

  func run() throws {
    let info = try MediaInfo.probe(input, frameRate: frameRate)
    // The headers may promise what the data does not hold (a truncated or damaged file).
    _ = try readFirstFrame(input, options: ReadOptions(frameRate: frameRate))
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(info), as: UTF8.self))
    } else {
      print(info)
    }
  }
}
