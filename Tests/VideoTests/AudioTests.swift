import Foundation
import Testing

@testable import Video

@Suite final class AudioTests {
  /// This test's folder (a new instance of the suite runs each test), deleted when it ends.
  let media: SyntheticMedia
  init() throws { media = try SyntheticMedia() }
  deinit { media.remove() }

  @Test("copied audio packets are byte-identical")
  func passthroughIsExact() throws {
    let input = try media.clip("in.mp4", frames: 24, audio: SyntheticMedia.sine(seconds: 1))
    for name in ["out.mp4", "out.mkv", "out.mov"] {
      try transcode(from: input, to: media.path(name), transform: same)
      let original = try audioPackets(input), copied = try audioPackets(media.path(name))
      #expect(!original.isEmpty)
      #expect(copied == original, "\(name): \(copied.count) packets vs \(original.count)")
    }
  }

  @Test("a preview writes the first N frames and cuts the audio to match")
  func previewCutsAudio() throws {
    let input = try media.clip(
      "in.mp4", frames: 48, fps: 24, audio: SyntheticMedia.sine(seconds: 2))
    let output = media.path("preview.mp4")
    let summary = try transcode(
      from: input, to: output, options: TranscodeOptions(frameLimit: 12), transform: same)
    #expect(summary.framesWritten == 12)
    let info = try MediaInfo.probe(output)
    #expect(info.frameCount == 12)
    #expect(abs(info.duration - 0.5) < 0.01, "video lasts \(info.duration) s")
    let audio = try #require(info.audio.first)
    #expect(audio.duration > 0.4 && audio.duration < 0.55, "audio lasts \(audio.duration) s")
  }

  @Test("generated audio is encoded: AAC in mp4, Opus in webm")
  func generatedAudio() throws {
    let mp4 = try media.clip("tone.mp4", frames: 12, audio: SyntheticMedia.sine(seconds: 0.5))
    let info = try MediaInfo.probe(mp4)
    #expect(info.audio.map(\.codec) == ["aac"])
    #expect(info.audio.first?.channels == 2 && info.audio.first?.sampleRate == 44_100)
    #expect(abs((info.audio.first?.duration ?? 0) - 0.5) < 0.05)
  }
}
