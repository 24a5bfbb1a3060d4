import ArgumentParser
import Engine
import Video

@main
struct StylizeVideo: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stylize-video",
    abstract: "Give a video, a folder of frames or an image the look of a painting.",
    subcommands: [Probe.self])

  mutating func run() throws {
    print("stylize-video: nothing to do yet")
  }
}
