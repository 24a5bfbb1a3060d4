import ArgumentParser
import Engine
import Foundation
import Testing
import Video

@testable import stylize_video

/// `stylize-video flow`: the written file, its numbers, and the refusals.
@Suite struct FlowCommandTests {
  static func message(_ arguments: [String]) -> String { runMessage(FlowCommand.self, arguments) }

  @Test func aTranslatedPairGivesItsShift() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    let (width, height) = (96, 72)
    try writeImage(
      TestPictures.scene(width: width, height: height, offset: (0, 0)), to: pictures.path("a.png"))
    try writeImage(
      TestPictures.scene(width: width, height: height, offset: (3, -2)), to: pictures.path("b.png"))
    var command = try FlowCommand.parse([
      pictures.path("a.png"), pictures.path("b.png"), "-o", pictures.path("ab.flo"),
      "--png", pictures.path("ab.png"),
    ])
    try command.run()
    let flow = try FlowField.read(from: pictures.path("ab.flo"))
    #expect(flow.width == width && flow.height == height)
    // Mean over pixels at least 8 px from the edges (where the content is in both frames).
    var (sumU, sumV, count): (Double, Double, Int) = (0, 0, 0)
    for y in 8..<(height - 8) {
      for x in 8..<(width - 8) {
        sumU += Double(flow.u[y * width + x])
        sumV += Double(flow.v[y * width + x])
        count += 1
      }
    }
    let (meanU, meanV) = (sumU / Double(count), sumV / Double(count))
    #expect(abs(meanU - 3) < 0.1 && abs(meanV + 2) < 0.1, "mean flow (\(meanU), \(meanV))")
    let picture = try #require(try VideoReader(pictures.path("ab.png")).nextFrame())
    #expect(picture.width == width && picture.height == height)
    // No temporary file (".ab.partial-<pid>.flo") is left beside the output.
    let hidden = try FileManager.default.contentsOfDirectory(atPath: pictures.directory.path)
      .filter { $0.hasPrefix(".") }
    #expect(hidden.isEmpty, "left behind: \(hidden)")
  }

  @Test func anExistingOutputIsKeptWithoutOverwrite() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    try writeImage(
      TestPictures.scene(width: 40, height: 30, offset: (0, 0)), to: pictures.path("a.png"))
    let output = pictures.path("out.flo")
    try Data("keep".utf8).write(to: URL(fileURLWithPath: output))
    let arguments = [pictures.path("a.png"), pictures.path("a.png"), "-o", output]
    let refusal = Self.message(arguments)
    #expect(refusal.contains(output) && refusal.contains("--overwrite"), "\(refusal)")
    #expect(FileManager.default.contents(atPath: output) == Data("keep".utf8))
    #expect(Self.message(arguments + ["--overwrite"]) == "")
    let flow = try FlowField.read(from: output)
    #expect(flow.u.allSatisfy { abs($0) < 0.01 } && flow.v.allSatisfy { abs($0) < 0.01 })
  }

  @Test func aMissingInputIsNamed() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    let missing = pictures.path("missing.png")
    let text = Self.message([missing, missing, "-o", pictures.path("x.flo")])
    #expect(text.contains("'\(missing)' does not exist"), "\(text)")
  }

  @Test func picturesOfDifferentSizesAreRefusedUnlessResized() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    try writeImage(
      TestPictures.scene(width: 40, height: 30, offset: (0, 0)), to: pictures.path("a.png"))
    try writeImage(
      TestPictures.scene(width: 80, height: 60, offset: (0, 0), scale: 2),
      to: pictures.path("b.png"))
    let arguments = [pictures.path("a.png"), pictures.path("b.png"), "-o", pictures.path("x.flo")]
    let text = Self.message(arguments)
    #expect(text.contains("80x60") && text.contains("40x30"), "\(text)")
    #expect(Self.message(arguments + ["--size", "40"]) == "")
    #expect(try FlowField.read(from: pictures.path("x.flo")).width == 40)
  }

  @Test func theOutputMustBeAFloFile() {
    let text = Self.message([CommandLine.arguments[0], CommandLine.arguments[0], "-o", "x.png"])
    #expect(text.contains("must end in .flo"), "\(text)")
  }
}
