import Foundation
import Testing

@testable import Video

@Suite struct ErrorTests {
  /// Runs `body`, expecting a `VideoError` from `function` that names `path`.
  func expectError(_ function: String, path: String, _ body: () throws -> Void) {
    do {
      try body()
      Issue.record("expected \(function) to fail for \(path)")
    } catch let error as VideoError {
      #expect(error.function == function, "\(error)")
      #expect(error.description.contains(path), "\(error)")
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  @Test func missingFile() throws {
    let media = try SyntheticMedia()
    defer { media.remove() }
    let path = media.path("nothing.mp4")
    expectError("avformat_open_input", path: path) { _ = try VideoReader(path) }
    do { _ = try VideoReader(path) } catch let error as VideoError {
      #expect(
        error.description == "avformat_open_input failed for '\(path)': No such file or directory")
    }
  }

  @Test func folderWithoutImages() throws {
    let media = try SyntheticMedia()
    defer { media.remove() }
    let folder = media.path("empty")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try Data("hello".utf8).write(to: URL(fileURLWithPath: folder + "/readme.txt"))
    expectError("opendir", path: folder) { _ = try VideoReader(folder) }
  }

  @Test func textFileNamedMP4() throws {
    let media = try SyntheticMedia()
    defer { media.remove() }
    let path = media.path("fake.mp4")
    try Data(String(repeating: "this is not a video\n", count: 50).utf8).write(
      to: URL(fileURLWithPath: path))
    expectError("avformat_open_input", path: path) { _ = try VideoReader(path) }
  }

  @Test func textFileNamedPNGReadAtASize() throws {
    let media = try SyntheticMedia()
    defer { media.remove() }
    let path = media.path("notes.png")
    try Data("not a picture".utf8).write(to: URL(fileURLWithPath: path))
    // Once trapped dividing by its 0x0 size; now it opens and holds no frame (or fails to decode).
    let frame = try? VideoReader(path, options: ReadOptions(longSide: 64)).nextFrame()
    #expect(frame == nil)
  }

  @Test func fileWithoutVideoStream() throws {
    let media = try SyntheticMedia()
    defer { media.remove() }
    let path = try media.wav("tone.wav")
    expectError("av_find_best_stream", path: path) { _ = try VideoReader(path) }
  }

  @Test("a truncated video yields its decodable frames and a warning")
  func truncatedVideo() throws {
    let media = try SyntheticMedia()
    defer { media.remove() }
    let path = try media.clip("cut.mp4", frames: 30, width: 64, height: 48)  // faststart: index first
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    try data.prefix(data.count * 6 / 10).write(to: URL(fileURLWithPath: path))
    let reader = try VideoReader(path)
    var count = 0
    while try reader.nextFrame() != nil { count += 1 }
    #expect(count > 0 && count < 30)
    #expect(!reader.warnings.isEmpty)
    let warnings = reader.warnings
    #expect(try reader.nextFrame() == nil && reader.warnings == warnings)  // stays finished
    let summary = try transcode(from: path, to: media.path("rescued.mp4"), transform: same)
    #expect(summary.framesWritten == count)
    #expect(summary.warnings.contains { $0.contains("could be decoded") }, "\(summary.warnings)")
  }

  @Test("an output folder that cannot be written")
  func unwritableOutput() throws {
    let media = try SyntheticMedia()
    defer { media.remove() }
    let input = try media.clip("in.mp4", frames: 3)
    let blocker = media.path("file")
    try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
    expectError("avio_open", path: blocker) {
      try transcode(from: input, to: blocker + "/out.mp4", transform: same)
    }
    expectError("mkdir", path: blocker) {
      try transcode(from: input, to: blocker + "/frames/", transform: same)
    }
    expectError("open", path: blocker) {
      try writeImage(SyntheticMedia.frame(0, width: 4, height: 4), to: blocker + "/a.png")
    }
  }

  @Test func unsupportedOutputType() throws {
    let media = try SyntheticMedia()
    defer { media.remove() }
    let input = try media.clip("in.mp4", frames: 2)
    expectError("avformat_alloc_output_context2", path: "out.xyz") {
      try transcode(from: input, to: media.path("out.xyz"), transform: same)
    }
  }
}
