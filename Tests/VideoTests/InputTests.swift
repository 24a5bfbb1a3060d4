import Foundation
import Testing

@testable import Video

@Suite final class InputTests {
  /// This test's folder (a new instance of the suite runs each test), deleted when it ends.
  let media: SyntheticMedia
  init() throws { media = try SyntheticMedia() }
  deinit { media.remove() }

  @Test("natural order: frame2 before frame10, other files ignored")
  func naturalSortOrder() throws {
    #expect(naturalOrder("frame2.png", "frame10.png"))
    #expect(!naturalOrder("frame10.png", "frame2.png"))
    #expect(naturalOrder("a9b", "a10a"))
    #expect(
      ["x10.png", "X2.png", "x1.png"].sorted(by: naturalOrder) == ["x1.png", "X2.png", "x10.png"])

    // written in this order, so frame i of the pattern goes to names[i]
    let folder = try media.frameFolder(
      "frames", names: ["frame1.png", "frame2.png", "frame10.png"])
    try Data("not a frame".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
    let reader = try VideoReader(folder, options: ReadOptions(frameRate: 10))
    #expect(reader.info.kind == .imageSequence)
    #expect(reader.info.frameCount == 3 && !reader.info.frameCountIsEstimated)
    let frames = try readAll(folder, options: ReadOptions(frameRate: 10))
    #expect(
      frames.map(\.rgb) == (0..<3).map { SyntheticMedia.frame($0, width: 16, height: 12).rgb })
    #expect(frames.map(\.time) == [0, 0.1, 0.2])
  }

  @Test("a printf pattern reads numbered frames")
  func printfPattern() throws {
    let folder = try media.frameFolder("seq", names: ["00001.png", "00002.png", "00003.png"])
    let frames = try readAll(folder + "/%05d.png", options: ReadOptions(frameRate: 5))
    #expect(frames.count == 3)
    #expect(frames.map(\.time) == [0, 0.2, 0.4])
    #expect(frames.last?.rgb == SyntheticMedia.frame(2, width: 16, height: 12).rgb)
  }

  @Test("resizing keeps the aspect ratio and even sizes; native size is kept exactly")
  func resizing() throws {
    let input = try media.clip(
      "odd.mkv", frames: 2, width: 321, height: 241, codec: SyntheticMedia.lossless)
    let native = try VideoReader(input)
    #expect(native.width == 321 && native.height == 241)
    #expect(try native.nextFrame()?.rgb.count == 321 * 241 * 3)

    let long = try VideoReader(input, options: ReadOptions(longSide: 160))
    #expect(long.width == 160 && long.height == 120)
    let frame = try #require(try long.nextFrame())
    #expect(frame.width == 160 && frame.height == 120)

    let budget = try VideoReader(input, options: ReadOptions(pixelBudget: 10_000))
    #expect(budget.width * budget.height <= 10_000)
    #expect(budget.width % 2 == 0 && budget.height % 2 == 0)
    #expect(abs(Double(budget.width) / Double(budget.height) - 321.0 / 241) < 0.03)

    try transcode(from: input, to: media.path("odd.mp4"), transform: same)
    let info = try MediaInfo.probe(media.path("odd.mp4"))
    #expect(info.width == 320 && info.height == 240)
  }

  @Test("non-square pixels are scaled to the display aspect")
  func sampleAspectRatio() throws {
    var info = try MediaInfo.probe(try media.clip("in.mp4", frames: 1))
    (info.width, info.height, info.sampleAspectRatio) = (720, 576, Rational(16, 15))  // PAL 4:3
    let native = Geometry(info: info, longSide: nil, pixelBudget: nil, applyRotation: true)
    #expect(native.outputWidth == 768 && native.outputHeight == 576)
    let small = Geometry(info: info, longSide: 384, pixelBudget: nil, applyRotation: true)
    #expect(small.outputWidth == 384 && small.outputHeight == 288)
    info.rotation = 90
    let turned = Geometry(info: info, longSide: 384, pixelBudget: nil, applyRotation: true)
    #expect(turned.outputWidth == 288 && turned.outputHeight == 384)
    #expect(turned.scaledWidth == 384 && turned.scaledHeight == 288)  // scaled first, then rotated
  }

  @Test("rotation metadata is reported and applied", arguments: [90, 180, 270])
  func rotation(degrees: Int) throws {
    let input = try media.clip("rot.mp4", frames: 2, width: 64, height: 32, rotation: degrees)
    let info = try MediaInfo.probe(input)
    #expect(info.rotation == degrees)
    let quarter = degrees != 180
    #expect(info.displayWidth == (quarter ? 32 : 64) && info.displayHeight == (quarter ? 64 : 32))
    let reader = try VideoReader(input)
    let frame = try #require(try reader.nextFrame())
    #expect(frame.width == info.displayWidth && frame.height == info.displayHeight)
    let upright = try #require(
      try VideoReader(input, options: ReadOptions(applyRotation: false)).nextFrame())
    #expect(meanAbsDifference(rotated(upright, clockwise: degrees), frame) < 1)
  }

  @Test("probe facts are Codable")
  func probeJSON() throws {
    let input = try media.clip(
      "in.mp4", frames: 12, fps: 24, audio: SyntheticMedia.sine(seconds: 0.5))
    let info = try MediaInfo.probe(input)
    #expect(info.frameRate == Rational(24, 1) && info.timeBase.denominator > 0)
    let decoded = try JSONDecoder().decode(MediaInfo.self, from: JSONEncoder().encode(info))
    #expect(decoded == info)
    #expect(info.description.contains("64x48"))
  }
}
