import CFFmpeg
import Foundation
import Testing

@testable import Video

@Suite final class RoundTripTests {
  /// This test's folder (a new instance of the suite runs each test), deleted when it ends.
  let media: SyntheticMedia
  init() throws { media = try SyntheticMedia() }
  deinit { media.remove() }

  @Test("H.264 + AAC round trip keeps count, size, rate, duration and pixels")
  func h264RoundTrip() throws {
    let input = try media.clip(
      "in.mp4", frames: 24, width: 96, height: 64, audio: SyntheticMedia.sine(seconds: 1))
    let output = media.path("out.mp4")
    let summary = try transcode(from: input, to: output, transform: same)
    #expect(summary.framesWritten == 24)
    #expect(summary.warnings.isEmpty, "\(summary.warnings)")

    let before = try MediaInfo.probe(input), after = try MediaInfo.probe(output)
    #expect(after.codec == "h264" && after.pixelFormat == "yuv420p")
    #expect(after.frameCount == before.frameCount && !after.frameCountIsEstimated)
    #expect(after.width == before.width && after.height == before.height)
    #expect(after.frameRate == before.frameRate)
    #expect(
      abs(after.duration - before.duration) < 0.01, "durations \(before.duration) \(after.duration)"
    )
    #expect(after.audio.count == 1 && after.audio.first?.codec == "aac")

    let original = try readAll(input), copy = try readAll(output)
    #expect(copy.count == original.count)
    for (a, b) in zip(original, copy) {
      #expect(abs(a.time - b.time) < 1e-3)
      let difference = meanAbsDifference(a, b)
      #expect(difference < 3, "frame at \(a.time) s differs by \(difference) on average")
    }
  }

  @Test("lossless ffv1/mkv round trip is exact")
  func losslessRoundTrip() throws {
    let input = try media.clip(
      "in.mkv", frames: 6, width: 33, height: 17, codec: SyntheticMedia.lossless)
    let expected = (0..<6).map { SyntheticMedia.frame($0, width: 33, height: 17) }
    #expect(try readAll(input).map(\.rgb) == expected.map(\.rgb))

    var options = TranscodeOptions()
    options.videoCodec = SyntheticMedia.lossless
    try transcode(from: input, to: media.path("out.mkv"), options: options, transform: same)
    #expect(try readAll(media.path("out.mkv")).map(\.rgb) == expected.map(\.rgb))
  }

  @Test("a PNG frame folder round trip is exact and holds only the frames")
  func frameFolderRoundTrip() throws {
    let input = try media.clip(
      "in.mkv", frames: 5, width: 20, height: 10, codec: SyntheticMedia.lossless)
    let folder = media.path("frames")
    let summary = try transcode(from: input, to: folder, transform: same)
    #expect(summary.framesWritten == 5)
    let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    #expect(names == ["00001.png", "00002.png", "00003.png", "00004.png", "00005.png"])
    #expect(try readAll(folder).map(\.rgb) == readAll(input).map(\.rgb))
  }

  @Test("variable frame rate timestamps survive a transcode", arguments: ["out.mkv", "out.mp4"])
  func variableFrameRate(output name: String) throws {
    let times = [0, 0.04, 0.1, 0.13, 0.3, 0.31, 0.5, 0.52]
    let input = try media.clip("vfr.mkv", frames: times.count, fps: 25, times: times)
    #expect(try readAll(input).map(\.time) == times)
    try transcode(from: input, to: media.path(name), transform: same)
    let copied = try readAll(media.path(name)).map(\.time)
    #expect(copied.count == times.count)
    for (a, b) in zip(times, copied) { #expect(abs(a - b) < 1e-3, "\(times) became \(copied)") }
  }

  @Test("the transform may change the frame size; odd sizes become even for H.264")
  func transformChangesSize() throws {
    let input = try media.clip("in.mp4", frames: 4, width: 64, height: 48)
    let output = media.path("half.mp4")
    try transcode(from: input, to: output) { frame, _ in
      SyntheticMedia.frame(0, width: 33, height: 25, time: frame.time)
    }
    let info = try MediaInfo.probe(output)
    #expect(info.width == 32 && info.height == 24 && info.frameCount == 4)
  }

  @Test("webm output is VP9 and re-encodes AAC to Opus")
  func webmReencodesAudio() throws {
    let input = try media.clip(
      "in.mp4", frames: 6, width: 32, height: 32, audio: SyntheticMedia.sine(seconds: 0.25))
    let summary = try transcode(from: input, to: media.path("out.webm"), transform: same)
    let info = try MediaInfo.probe(media.path("out.webm"))
    #expect(info.codec == "vp9")
    #expect(info.audio.map(\.codec) == ["opus"])
    #expect(summary.warnings.contains { $0.contains("re-encoded") })
    #expect(try readAll(media.path("out.webm")).count == 6)
  }

  @Test("single images read, and write back as PNG exactly")
  func singleImage() throws {
    let frame = SyntheticMedia.frame(3, width: 21, height: 13)
    try writeImage(frame, to: media.path("a.png"))
    let reader = try VideoReader(media.path("a.png"))
    #expect(reader.info.kind == .image && reader.info.frameCount == 1)
    #expect(try reader.nextFrame()?.rgb == frame.rgb)
    #expect(try reader.nextFrame() == nil)

    try writeImage(frame, to: media.path("a.jpg"))
    let jpeg = try #require(try readAll(media.path("a.jpg")).first)
    #expect(meanAbsDifference(jpeg, frame) < 8)
    try transcode(from: media.path("a.png"), to: media.path("b.png"), transform: same)
    #expect(try readAll(media.path("b.png")).first?.rgb == frame.rgb)
  }
}

@Suite final class ContainerTests {
  /// This test's folder (a new instance of the suite runs each test), deleted when it ends.
  let media: SyntheticMedia
  init() throws { media = try SyntheticMedia() }
  deinit { media.remove() }

  /// Encoders FFmpeg would pick for other containers (we only write mp4/mov/mkv/webm ourselves).
  static let cases: [(name: String, codec: VideoCodec?)] = [
    ("in.mov", nil), ("in.mkv", nil),
    ("in.avi", VideoCodec(name: "mjpeg", pixelFormat: AV_PIX_FMT_YUVJ420P, options: [:])),
    ("in.gif", VideoCodec(name: "gif", pixelFormat: AV_PIX_FMT_RGB8, options: [:])),
  ]

  @Test("any container FFmpeg demuxes can be read", arguments: cases)
  func readsContainer(_ name: String, _ codec: VideoCodec?) throws {
    let input = try media.clip(name, frames: 10, width: 48, height: 32, fps: 10, codec: codec)
    let frames = try readAll(input)
    #expect(frames.count == 10)
    #expect(frames.allSatisfy { $0.width == 48 && $0.height == 32 })
    #expect(abs((frames.last?.time ?? 0) - 0.9) < 0.011)
    try transcode(from: input, to: media.path("out.mp4"), transform: same)
    #expect(try MediaInfo.probe(media.path("out.mp4")).frameCount == 10)
  }

  @Test("mp4 output is fast-start: the index comes before the media data")
  func fastStart() throws {
    let input = try media.clip("in.mkv", frames: 5)
    try transcode(from: input, to: media.path("out.mp4"), transform: same)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: media.path("out.mp4")))
    let moov = try #require(bytes.firstRange(of: Data("moov".utf8)))
    let mdat = try #require(bytes.firstRange(of: Data("mdat".utf8)))
    #expect(moov.lowerBound < mdat.lowerBound)
  }
}
