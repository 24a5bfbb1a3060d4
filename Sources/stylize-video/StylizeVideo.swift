import ArgumentParser

/// The command line: `stylize-video <input> --style <image>` runs `Stylize`, the default.
@main
struct StylizeVideo: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stylize-video",
    abstract: "Give a video, a folder of frames or an image the look of a painting.",
    discussion: """
      Examples:
        stylize-video in.mp4 --style painting.jpg             (in-stylized.mp4)
        stylize-video frames/ --style painting.jpg -o out/    (frame folders)
        stylize-video photo.jpg --style painting.jpg          (photo-stylized.jpg)
        stylize-video in.mp4 --style painting.jpg --preview 24
      All options of the main command: stylize-video help stylize
      """,
    subcommands: [
      Stylize.self, Texture.self, Explain.self, Probe.self, Bench.self, FlowCommand.self, Metrics.self,
    ],
    defaultSubcommand: Stylize.self)
}
