import Foundation
import Testing

@testable import Video

@Suite final class OutputSafetyTests {
  /// This test's folder (a new instance of the suite runs each test), deleted when it ends.
  let media: SyntheticMedia
  init() throws { media = try SyntheticMedia() }
  deinit { media.remove() }

  @Test("an existing output is refused unless overwrite is set")
  func existingOutput() throws {
    let input = try media.clip("in.mp4", frames: 3)
    let output = media.path("out.mp4")
    try Data("keep me".utf8).write(to: URL(fileURLWithPath: output))
    let error = try #require(throws: VideoError.self) {
      try transcode(from: input, to: output, transform: same)
    }
    #expect(error.function == nil)
    #expect(
      error.description == "'\(output)': the output exists; pass --overwrite to replace it",
      "\(error)")
    #expect(try String(contentsOfFile: output, encoding: .utf8) == "keep me")

    try transcode(
      from: input, to: output, options: TranscodeOptions(overwrite: true), transform: same)
    #expect(try MediaInfo.probe(output).frameCount == 3)

    let folder = try media.frameFolder("frames", names: ["old.png"])
    #expect(throws: VideoError.self) { try transcode(from: input, to: folder, transform: same) }
    try transcode(
      from: input, to: folder, options: TranscodeOptions(overwrite: true), transform: same)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [
        "00001.png", "00002.png", "00003.png",
      ])
  }

  @Test("an encode that gets fewer frames than expected writes nothing")
  func expectedFrameCount() throws {
    let input = try media.clip("in.mp4", frames: 3)
    let output = media.path("out.mp4")
    let error = try #require(throws: VideoError.self) {
      try transcode(
        from: input, to: output, options: TranscodeOptions(expectedFrameCount: 4), transform: same)
    }
    #expect(error.function == nil)
    #expect(error.description.hasPrefix("'\(input)': gave 3 frames for the encode where 4"), "\(error)")
    #expect(!FileManager.default.fileExists(atPath: output))
    #expect(try FileManager.default.contentsOfDirectory(atPath: media.path(".")).sorted() == ["in.mp4"])

    let written = try transcode(
      from: input, to: output, options: TranscodeOptions(expectedFrameCount: 3), transform: same)
    #expect(written.framesWritten == 3)
  }

  @Test(
    "a failed write leaves no partial file, and the input untouched",
    arguments: ["out.mp4", "frames"])
  func noPartialFile(output name: String) throws {
    let input = try media.clip("in.mp4", frames: 10)
    let before = try Data(contentsOf: URL(fileURLWithPath: input))
    struct Stop: Error {}
    #expect(throws: Stop.self) {
      try transcode(from: input, to: media.path(name)) { frame, index in
        if index == 5 { throw Stop() }
        return frame
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: media.directory.path) == ["in.mp4"])
    #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
  }

  @Test("the input cannot be the output")
  func outputIsInput() throws {
    let input = try media.clip("in.mp4", frames: 2)
    let error = try #require(throws: VideoError.self) {
      try transcode(
        from: input, to: input, options: TranscodeOptions(overwrite: true), transform: same)
    }
    // Refused before anything is opened: no call failed.
    #expect(error.function == nil)
    #expect(error.description == "'\(input)': the output would replace the input")
    #expect(try MediaInfo.probe(input).frameCount == 2)
  }

  @Test("a folder appears only when complete, and replaces an old one only with overwrite")
  func folderWrittenAtomically() throws {
    let folder = media.path("report")
    let frame = VideoFrame(width: 4, height: 2, rgb: [UInt8](repeating: 90, count: 24))
    struct Stop: Error {}
    #expect(throws: Stop.self) {
      try writeFolder(folder) { temporary in
        try writeImage(frame, to: temporary + "/a.png")
        throw Stop()
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: media.directory.path) == [])
    try writeFolder(folder) { try writeImage(frame, to: $0 + "/a.png") }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.png"])
    #expect(throws: VideoError.self) { try writeFolder(folder) { _ in } }
    try writeFolder(folder, overwrite: true) { try writeImage(frame, to: $0 + "/b.png") }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["b.png"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: media.directory.path) == ["report"])
  }
}
