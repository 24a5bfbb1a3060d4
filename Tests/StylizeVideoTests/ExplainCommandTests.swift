import ArgumentParser
import Engine
import Foundation
import Testing
import Video

@testable import stylize_video

/// `stylize-video texture` and `stylize-video explain` end to end with the real weights, at
/// tiny sizes and a few iterations: the files they write and the refusals.
@Suite(.serialized) struct ExplainCommandTests {
  /// A 96x64 "painting": diagonal colour bands with a finer grain.
  static func writeStyle(to path: String, width: Int = 96, height: Int = 64) throws {
    var rgb = [UInt8]()
    for y in 0..<height {
      for x in 0..<width {
        let band = (x + 2 * y) / 9 % 3
        let grain = UInt8((x * 5 + y * 3) % 7 * 6)
        rgb += [[210, 120, 40], [40, 150, 190], [230, 210, 90]][band].map { $0 - grain }
      }
    }
    try writeImage(VideoFrame(width: width, height: height, rgb: rgb), to: path)
  }

  /// Every file the page shows, read back from `index.html`'s `src="..."` links.
  static func linkedFiles(_ html: String) -> Set<String> {
    Set(
      html.components(separatedBy: "src=\"").dropFirst().compactMap {
        $0.split(separator: "\"", maxSplits: 1).first.map(String.init)
      })
  }

  @Test func explainWritesEveryFigureAndAPageThatLinksThem() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    try Self.writeStyle(to: pictures.path("style.png"))
    try writeImage(
      TestPictures.scene(width: 80, height: 80, offset: (0, 0)), to: pictures.path("photo.png"))
    let report = pictures.path("report")
    var command = try Explain.parse([
      "--style", pictures.path("style.png"), "--content", pictures.path("photo.png"), "-o", report,
      "--size", "64", "--iterations", "3", "--quiet",
    ])
    try command.run()
    let layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    var expected: Set<String> = [
      "style.png", "content.png", "style-shuffled.png", "texture-shuffled.png",
      "reconstruction-shuffled-relu3_1.png", "reconstruction-style-relu3_1.png",
    ]
    for layer in layers {
      expected.formUnion([
        "texture-\(layer).png", "reconstruction-\(layer).png", "gram-\(layer).png",
        "coactivation-\(layer).png",
      ])
      if layer != "relu1_1" { expected.insert("texture-relu1_1-to-\(layer).png") }
    }
    let files = Set(try FileManager.default.contentsOfDirectory(atPath: report))
    #expect(files == expected.union(["index.html"]))
    let html = try String(contentsOfFile: report + "/index.html", encoding: .utf8)
    #expect(Self.linkedFiles(html) == expected)
    #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"))
    for figure in [
      "one layer’s Gram matrix", "growing sets", "Activations keep where", "Shuffling the tiles",
      "Gram matrices of the style", "strongest pair",
    ] {
      #expect(html.contains(figure), "no figure '\(figure)'")
    }
    // The style at 64 px long side (96x64 → 64x42, even sizes); Gram pictures 512 px.
    let texture = try readFirstFrame(report + "/texture-relu3_1.png", options: ReadOptions())
    #expect(texture.width == 64 && texture.height == 42)
    let reconstruction = try readFirstFrame(
      report + "/reconstruction-relu2_1.png", options: ReadOptions())
    #expect(reconstruction.width == 64 && reconstruction.height == 64)
    let gram = try readFirstFrame(report + "/gram-relu5_1.png", options: ReadOptions())
    #expect(gram.width == 512 && gram.height == 512)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: pictures.directory.path).sorted() == [
        "photo.png", "report", "style.png",
      ], "no temporary folder left behind")
  }

  @Test func explainWithoutContentUsesTheStyleAndRefusesToOverwrite() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    try Self.writeStyle(to: pictures.path("painting.png"))
    let arguments = [
      "--style", pictures.path("painting.png"), "--size", "64", "--iterations", "1", "--quiet",
    ]
    var command = try Explain.parse(arguments)
    try command.run()
    let report = pictures.path("painting-explained")
    let files = try FileManager.default.contentsOfDirectory(atPath: report)
    #expect(!files.contains("content.png") && !files.contains("reconstruction-style-relu3_1.png"))
    let html = try String(contentsOfFile: report + "/index.html", encoding: .utf8)
    #expect(html.contains("No content image was given"))
    #expect(Self.linkedFiles(html).isSubset(of: Set(files)))

    try Data("mine".utf8).write(to: URL(fileURLWithPath: report + "/notes.txt"))
    #expect(runMessage(Explain.self, arguments).contains("exists; pass --overwrite"))
    #expect(FileManager.default.fileExists(atPath: report + "/notes.txt"))
    #expect(runMessage(Explain.self, arguments + ["--overwrite"]) == "")
    #expect(!FileManager.default.fileExists(atPath: report + "/notes.txt"))
  }

  @Test func textureHasTheStylesAspectAndRefusesToOverwrite() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    try Self.writeStyle(to: pictures.path("style.png"))
    let output = pictures.path("texture.png")
    let arguments = [
      "--style", pictures.path("style.png"), "-o", output, "--size", "48", "--iterations", "20",
      "--tolerance", "0", "--style-layers", "relu1_1,relu2_1,relu3_1", "--quiet",
    ]
    var command = try Texture.parse(arguments)
    try command.run()
    let texture = try readFirstFrame(output, options: ReadOptions())
    #expect(texture.width == 48 && texture.height == 32)
    #expect(runMessage(Texture.self, arguments).contains("'\(output)' exists; pass --overwrite"))
    #expect(runMessage(Texture.self, arguments + ["--overwrite"]) == "")
  }

  @Test func badStyleImagesAreNamedInOneLine() throws {
    let pictures = try TestPictures()
    defer { pictures.remove() }
    let missing = pictures.path("missing.png")
    #expect(
      runMessage(Texture.self, ["--style", missing]).contains(
        "Style image '\(missing)' does not exist."))
    #expect(
      runMessage(Explain.self, ["--style", missing]).contains(
        "--style image '\(missing)' does not exist."))
    let notAnImage = pictures.path("notes.png")
    try Data("not a picture".utf8).write(to: URL(fileURLWithPath: notAnImage))
    for type in [Texture.self, Explain.self] as [any ParsableCommand.Type] {
      let message = runMessage(
        type, ["--style", notAnImage, "-o", pictures.path("out.png"), "--quiet"])
      #expect(message.contains("'\(notAnImage)'") && !message.contains("\n"), "\(message)")
    }
    #expect(
      runMessage(Texture.self, ["--style", notAnImage, "-o", pictures.path("out.txt")])
        .contains("must end in .png or .jpg"))
  }
}
