import CFFmpeg
import Foundation
import Testing

@testable import Video

/// What a failure says: the call that failed (or none, for a refusal of ours), the file, and why.
@Suite final class ErrorTests {
  /// This test's folder (a new instance of the suite runs each test), deleted when it ends.
  let media: SyntheticMedia
  init() throws { media = try SyntheticMedia() }
  deinit { media.remove() }

  /// The `VideoError` that `body` throws; fails the test when it throws nothing or another error.
  func videoError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
  ) throws -> VideoError {
    try #require(throws: VideoError.self, sourceLocation: sourceLocation) { try body() }
  }

  /// The C library's text for `errno` code `code` (FFmpeg's `av_strerror` defers to it).
  static func systemText(_ code: Int32) -> String { String(cString: strerror(code)) }

  @Test func missingFile() throws {
    let path = media.path("nothing.mp4")
    let error = try videoError { _ = try VideoReader(path) }
    #expect(error.function == "avformat_open_input")
    #expect(
      error.description
        == "avformat_open_input failed for '\(path)': \(Self.systemText(ENOENT))")
  }

  @Test func folderWithoutImages() throws {
    let folder = media.path("empty")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try Data("hello".utf8).write(to: URL(fileURLWithPath: folder + "/readme.txt"))
    let error = try videoError { _ = try VideoReader(folder) }
    // The folder was read; no call failed.
    #expect(error.function == nil)
    #expect(error.description == "'\(folder)': no images (png, jpg, bmp, tiff, webp) in the folder")
  }

  @Test func textFileNamedMP4() throws {
    let path = media.path("fake.mp4")
    try Data(String(repeating: "this is not a video\n", count: 50).utf8).write(
      to: URL(fileURLWithPath: path))
    let error = try videoError { _ = try VideoReader(path) }
    #expect(error.function == "avformat_open_input")
    #expect(
      error.description
        == "avformat_open_input failed for '\(path)': Invalid data found when processing input")
  }

  @Test func textFileNamedPNGReadAtASize() throws {
    let path = media.path("notes.png")
    try Data("not a picture".utf8).write(to: URL(fileURLWithPath: path))
    // Once trapped dividing by its 0x0 size; now it opens and holds no frame, and says why.
    let reader = try VideoReader(path, options: ReadOptions(longSide: 64))
    #expect(try reader.nextFrame() == nil)
    #expect(!reader.warnings.isEmpty)
  }

  @Test func fileWithoutVideoStream() throws {
    let path = try media.wav("tone.wav")
    let error = try videoError { _ = try VideoReader(path) }
    #expect(error.function == "av_find_best_stream")
    #expect(error.description == "av_find_best_stream failed for '\(path)': no video stream")
  }

  @Test("a truncated video yields its decodable frames and a warning")
  func truncatedVideo() throws {
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
    let input = try media.clip("in.mp4", frames: 3)
    let blocker = media.path("file")
    try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
    let notADirectory = "': " + Self.systemText(ENOTDIR)
    // The movie is written under a temporary name inside the would-be folder.
    let movie = try videoError {
      try transcode(from: input, to: blocker + "/out.mp4", transform: same)
    }
    #expect(movie.function == "avio_open")
    #expect(movie.description.hasPrefix("avio_open failed for '\(blocker)/"), "\(movie)")
    #expect(movie.description.hasSuffix(notADirectory), "\(movie)")
    let folder = try videoError {
      try transcode(from: input, to: blocker + "/frames/", transform: same)
    }
    #expect(folder.function == "mkdir")
    #expect(folder.description.hasPrefix("mkdir failed for '\(blocker)/"), "\(folder)")
    #expect(folder.description.hasSuffix(notADirectory), "\(folder)")
    let image = try videoError {
      try writeImage(SyntheticMedia.frame(0, width: 4, height: 4), to: blocker + "/a.png")
    }
    #expect(image.function == "open")
    #expect(image.description.hasPrefix("open failed for '\(blocker)/"), "\(image)")
    #expect(image.description.hasSuffix(notADirectory), "\(image)")
  }

  @Test func unsupportedOutputType() throws {
    let input = try media.clip("in.mp4", frames: 2)
    let output = media.path("out.xyz")
    let error = try videoError { try transcode(from: input, to: output, transform: same) }
    // Refused by its extension before any FFmpeg call.
    #expect(error.function == nil)
    #expect(
      error.description
        == "'\(output)': unsupported output type '.xyz' "
        + "(use .mp4, .mov, .mkv, .webm, .png, .jpg or a folder)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: media.directory.path) == ["in.mp4"])
  }

  @Test func anExtensionWithoutAMuxerIsReportedByTheGuess() throws {
    // A codec given outright gets past our own table of extensions; FFmpeg has no .xyz muxer.
    var options = TranscodeOptions()
    options.videoCodec = SyntheticMedia.lossless
    let error = try videoError {
      _ = try VideoWriter(
        to: media.path("out.xyz"), frameRate: 25, audio: nil, options: options)
    }
    #expect(error.function == "av_guess_format")
    // The file named is the one being written: the output's temporary name, in the same folder.
    #expect(error.path.hasPrefix(media.directory.path + "/") && error.path.hasSuffix(".xyz"))
    #expect(
      error.description
        == "av_guess_format failed for '\(error.path)': no muxer for the extension '.xyz'")
    #expect(try FileManager.default.contentsOfDirectory(atPath: media.directory.path) == [])
  }

  @Test func writersRefuseWhatTheyDoNotWrite() throws {
    let picture = media.path("out.png")
    let writer = try videoError { _ = try VideoWriter(to: picture) }
    #expect(writer.function == nil)
    #expect(
      writer.description
        == "'\(picture)': VideoWriter writes movies and frame folders; use writeImage for one image")
    let gif = media.path("out.gif")
    let image = try videoError {
      try writeImage(SyntheticMedia.frame(0, width: 4, height: 4), to: gif)
    }
    #expect(image.function == nil)
    #expect(image.description == "'\(gif)': unsupported image type (use .png or .jpg)")
  }

  @Test("the owners of FFmpeg's frames and scalers name the file they work for")
  func ownersNameTheirFile() throws {
    let path = media.path("clip.mp4")
    let invalid = "': " + Self.systemText(EINVAL)
    // A frame of no size has no buffer to allocate.
    let frame = try Frame(path: path)
    let buffer = try videoError { try frame.allocate(width: 0, height: 0, format: AV_PIX_FMT_RGB24) }
    #expect(buffer.description == "av_frame_get_buffer failed for '\(path)\(invalid)")
    // Nor can a scaler convert from it.
    let scale = try videoError {
      try Scaler(path: path).scale(
        frame.pointer, into: Frame(path: path), width: 4, height: 4, format: AV_PIX_FMT_RGB24)
    }
    #expect(scale.description == "sws_getCachedContext failed for '\(path)\(invalid)")
  }

  @Test("without a file, the description leaves the path out instead of printing ''")
  func descriptionWithoutAPath() {
    let failed = VideoError(function: "av_frame_alloc", path: "", code: cff_averror(ENOMEM))
    #expect(failed.description == "av_frame_alloc failed: \(Self.systemText(ENOMEM))")
    let refused = VideoError(refusing: "", code: cff_averror(EINVAL), message: "no input")
    #expect(refused.description == "no input")
  }
}
