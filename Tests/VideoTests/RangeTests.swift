import Foundation
import Testing

@testable import Video

@Suite final class RangeTests {
  /// This test's folder (a new instance of the suite runs each test), deleted when it ends.
  let media: SyntheticMedia
  init() throws { media = try SyntheticMedia() }
  deinit { media.remove() }

  @Test("a range by frame numbers or times reads exactly those frames, timed from the stream start")
  func readsTheFramesOfTheRange() throws {
    let input = try media.clip("in.mkv", frames: 36, codec: SyntheticMedia.lossless)
    let all = try readAll(input)
    let byFrame = try readAll(
      input, options: ReadOptions(range: FrameRange(start: .frame(5), end: .frame(9))))
    #expect(byFrame.map(\.rgb) == all[5..<9].map(\.rgb))
    #expect(abs((byFrame.first?.time ?? 0) - 5.0 / 24) < 1e-3)
    // Frames 12 ... 23 are shown from 0.5 s up to (not including) 1 s.
    let byTime = try readAll(
      input, options: ReadOptions(range: FrameRange(start: .seconds(0.5), end: .seconds(1))))
    #expect(byTime.map(\.rgb) == all[12..<24].map(\.rgb))
    let open = try readAll(input, options: ReadOptions(range: FrameRange(start: .frame(30))))
    #expect(open.map(\.rgb) == all[30...].map(\.rgb))
  }

  @Test("a transcoded range starts at time 0 with the frames and audio of its stretch")
  func transcodedRangeStartsAtZero() throws {
    let input = try media.clip(
      "in.mp4", frames: 48, fps: 24, audio: SyntheticMedia.sine(seconds: 2))
    let range = FrameRange(start: .seconds(0.5), end: .seconds(1.5))
    let output = media.path("range.mp4")
    var indices: [Int] = []
    let summary = try transcode(
      from: input, to: output, options: TranscodeOptions(read: ReadOptions(range: range))
    ) { frame, index in
      indices.append(index)
      return frame
    }
    #expect(summary.framesWritten == 24)
    #expect(indices == Array(0..<24))
    let info = try MediaInfo.probe(output)
    #expect(info.frameCount == 24)
    #expect(abs(info.duration - 1) < 0.01, "video lasts \(info.duration) s")
    let first = try #require(try readAll(output).first)
    #expect(abs(first.time) < 1e-3, "the range's first frame shows at \(first.time) s")
    // The stretch's pictures: compare with the input's frames 12 ... 35 (H.264 both times).
    let expected = try readAll(input)[12]
    #expect(meanAbsDifference(first, expected) < 3)
    // Copied audio: a run of the input's packets (a packet straddling the start is left out).
    let audio = try #require(info.audio.first)
    #expect(abs(audio.duration - 1) < 0.06, "audio lasts \(audio.duration) s")
    let original = try audioPackets(input), copied = try audioPackets(output)
    let firstCopied = try #require(copied.first)
    let offset = try #require(original.firstIndex(of: firstCopied))
    #expect(Array(original[offset..<(offset + copied.count)]) == copied)
    // 1024 samples per AAC packet at 44.1 kHz: the run starts about 0.5 s in.
    #expect(abs(Double(offset) * 1024 / 44_100 - 0.5) < 0.06, "first packet \(offset)")
  }

  @Test("re-encoded audio (AAC into webm) is cut to the range too")
  func reencodedAudioFollowsTheRange() throws {
    let input = try media.clip(
      "in.mp4", frames: 48, fps: 24, audio: SyntheticMedia.sine(seconds: 2))
    let output = media.path("range.webm")
    try transcode(
      from: input, to: output,
      options: TranscodeOptions(
        read: ReadOptions(range: FrameRange(start: .frame(24), end: .frame(36)))),
      transform: same)
    let info = try MediaInfo.probe(output)
    #expect(info.frameCount == 12)
    let audio = try #require(info.audio.first)
    #expect(abs(audio.duration - 0.5) < 0.06, "audio lasts \(audio.duration) s")
  }
}
