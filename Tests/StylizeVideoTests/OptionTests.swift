import ArgumentParser
import Engine
import Foundation
import Testing
import Video

@testable import stylize_video

/// The command line's parsing, defaults and `validate()` messages.
@Suite struct OptionTests {
  /// A real file to stand in for inputs and style images (validation checks existence).
  static let existing = CommandLine.arguments[0]

  static func parse(_ arguments: [String]) throws -> Stylize {
    try Stylize.parse(arguments)
  }

  static func message(_ arguments: [String]) -> String {
    do {
      _ = try parse(arguments)
      return ""
    } catch {
      return Stylize.message(for: error)
    }
  }

  @Test func defaultsAreNeuralStylesButForTheContentWeight() throws {
    let command = try Self.parse([Self.existing, "--style", Self.existing])
    let configuration = try command.options.engineConfiguration()
    #expect(configuration.contentWeight == 30)  // neural-style's 5 washes the scene out
    #expect(configuration.styleWeight == 100)
    #expect(configuration.contentLayers == [.relu4_2])
    #expect(configuration.styleLayers == [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1])
    #expect(configuration.optimizer == .lbfgs)
    #expect(configuration.initialization == .random)
    #expect(try command.options.engineConfiguration(forVideo: true).initialization == .content)
    #expect(command.options.styleOptions.size == nil)
    #expect(command.output == nil)
  }

  @Test func theDefaultSubcommandIsStylize() throws {
    let command = try StylizeVideo.parseAsRoot([Self.existing, "--style", Self.existing])
    #expect(command is Stylize)
  }

  @Test func optionsReachTheEngine() throws {
    let command = try Self.parse([
      Self.existing, "--style", Self.existing, "--style", Self.existing,
      "--style-blend-weights", "3,1", "--style-layers", "relu2_1,relu4_1",
      "--style-layer-weights", "1,0.5", "--pooling", "avg", "--optimizer", "adam", "--init",
      "random", "--seed", "9", "--tv-weight", "0",
    ])
    let configuration = try command.options.engineConfiguration()
    #expect(configuration.styleBlendWeights == [3, 1])
    #expect(configuration.styleLayers == [.relu2_1, .relu4_1])
    #expect(configuration.styleLayerWeights == [1, 0.5])
    #expect(configuration.pooling == .average)
    #expect(configuration.optimizer == .adam)
    #expect(configuration.learningRate == 5)
    #expect(configuration.initialization == .random)
    #expect(configuration.seed == 9)
    #expect(configuration.totalVariationWeight == 0)
  }

  @Test func theFirstFrameScheduleIsWhatTheOptionsSay() throws {
    func schedule(_ extra: [String]) throws -> [Int] {
      try Self.parse([Self.existing, "--style", Self.existing] + extra).videoOptions
        .configuration(iterations: nil).firstSchedule
    }
    let defaults = VideoStyleTransfer.Configuration().firstSchedule
    #expect(try schedule([]) == defaults)
    #expect(try schedule(["--first-iterations", "120, 60,20"]) == [120, 60, 20])
    #expect(try schedule(["--first-iterations", "50", "--first-scales", "2"]) == [50, 50])
    #expect(try schedule(["--first-iterations", "50"]) == Array(repeating: 50, count: defaults.count))
    #expect(try schedule(["--first-scales", "1"]) == [defaults.last!])
    let four = try schedule(["--first-scales", "4"])
    #expect(four.count == 4 && Array(four.suffix(defaults.count)) == defaults)
  }

  @Test(arguments: [
    (["--first-iterations", "10,0"], "'0' is not an iteration count"),
    (["--first-iterations", "1,2,3,4,5"], "takes 1 to 4 counts"),
    (["--first-iterations", "10,5", "--first-scales", "3"], "does not match the 2 counts"),
    (["--first-scales", "5"], "--first-scales must be in 1...4"),
  ])
  func badSchedulesAreExplained(extra: [String], expected: String) {
    let text = Self.message([Self.existing, "--style", Self.existing] + extra)
    #expect(text.contains(expected), "got: \(text)")
  }

  @Test(arguments: [
    (["--style-weight=-1"], "--style-weight must be a finite number >= 0"),
    (["--content-layers", "relu9_9"], "unknown layer 'relu9_9'"),
    (["--style-layers", "relu1_1,relu1_1"], "listed twice"),
    (["--style-blend-weights", "1,2"], "has 2 values for 1 style images"),
    (["--style-layer-weights", "1"], "has 1 values for 5 style layers"),
    (["--iterations", "0"], "--iterations must be at least 1"),
    (["--size", "8"], "--size must be between 32 and 8192"),
    (["--init", "/no/such/image.png"], "does not exist"),
    (["--learning-rate", "0"], "--learning-rate must be positive"),
    (["--preview", "0"], "--preview must be at least 1"),
  ])
  func badValuesAreExplained(extra: [String], expected: String) {
    let text = Self.message([Self.existing, "--style", Self.existing] + extra)
    #expect(text.contains(expected), "got: \(text)")
  }

  @Test func startAndEndTakeTimesAndFrameNumbers() throws {
    func range(_ start: String, _ end: String) throws -> FrameRange {
      try Self.parse([Self.existing, "--style", Self.existing, "--start", start, "--end", end])
        .frameRange()
    }
    #expect(try range("12.5", "1:02.5") == FrameRange(start: .seconds(12.5), end: .seconds(62.5)))
    #expect(try range("1:00:01", "2:00:00").start == .seconds(3601))
    // Frame numbers count from 1 and the end frame is kept: 10f ... 20f is indices 9 ..< 20.
    #expect(try range("10f", "20f") == FrameRange(start: .frame(9), end: .frame(20)))
    for bad in [["--start", "1:75"], ["--start", "0f"], ["--end", "x"], ["--start", "-1"]] {
      #expect(Self.message([Self.existing, "--style", Self.existing] + bad).contains(bad[0]))
    }
    #expect(
      Self.message([Self.existing, "--style", Self.existing, "--start", "5f", "--end", "4f"])
        .contains("--end must come after --start"))
  }

  @Test func missingStyleAndMissingFilesAreExplained() {
    #expect(Self.message([Self.existing]).contains("--style"))
    #expect(Self.message(["/no/such.mp4", "--style", Self.existing]).contains("/no/such.mp4"))
    #expect(Self.message([Self.existing, "--style", "/no/style.jpg"]).contains("/no/style.jpg"))
  }

  @Test func defaultOutputSitsBesideTheInput() {
    #expect(defaultOutputPath(for: "/a/b/clip.mov", kind: .video) == "/a/b/clip-stylized.mov")
    #expect(defaultOutputPath(for: "/a/b/clip.gif", kind: .video) == "/a/b/clip-stylized.mp4")
    #expect(defaultOutputPath(for: "/a/photo.jpg", kind: .image) == "/a/photo-stylized.jpg")
    #expect(defaultOutputPath(for: "/a/photo.webp", kind: .image) == "/a/photo-stylized.png")
    #expect(defaultOutputPath(for: "/a/frames", kind: .imageSequence) == "/a/frames-stylized")
    #expect(
      defaultOutputPath(for: "/a/frames/%05d.png", kind: .imageSequence) == "/a/frames-stylized")
  }
}
