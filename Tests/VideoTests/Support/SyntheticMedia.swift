import CFFmpeg
import Foundation
import TestSupport

@testable import Video

/// Writes small test clips with the FFmpeg API into a unique temporary folder.
///
/// Pictures follow `encode_video.c`: smooth gradients that move with the frame index, so codecs
/// see real motion. Sound is a 440 Hz sine.
struct SyntheticMedia {
  /// A fresh folder for one test; delete it with `remove()`.
  let folder: TemporaryFolder

  init() throws { folder = try TemporaryFolder(prefix: "video-tests") }

  /// The folder.
  var directory: URL { folder.url }

  /// Deletes the folder and everything in it.
  func remove() { folder.remove() }

  /// A path inside the folder.
  func path(_ name: String) -> String { folder.path(name) }

  /// Frame `index` of the moving gradient.
  static func frame(_ index: Int, width: Int, height: Int, time: Double = 0) -> VideoFrame {
    var rgb = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
      for x in 0..<width {
        let p = (y * width + x) * 3
        rgb[p] = triangle(x * 2 + y + index * 3)
        rgb[p + 1] = triangle(128 + y * 2 + index * 2)
        rgb[p + 2] = triangle(64 + x + y + index * 5)
      }
    }
    return VideoFrame(width: width, height: height, rgb: rgb, time: time)
  }

  /// 0, 1, ..., 255, 255, 254, ...: a ramp that folds back instead of wrapping (no hard edges).
  private static func triangle(_ value: Int) -> UInt8 {
    let phase = value % 512
    return UInt8(phase < 256 ? phase : 511 - phase)
  }

  /// A 440 Hz sine at 44.1 kHz (mono or stereo).
  static func sine(seconds: Double, channels: Int = 2) -> AudioTrack {
    let rate = 44_100
    let tone = (0..<Int(seconds * Double(rate))).map {
      Float(0.4 * sin(2 * Double.pi * 440 * Double($0) / Double(rate)))
    }
    return AudioTrack(sampleRate: rate, samples: Array(repeating: tone, count: channels))
  }

  /// Lossless video (`ffv1`, 8-bit RGB: any size, exact pixels); use with `.mkv`.
  static let lossless = VideoCodec(name: "ffv1", pixelFormat: AV_PIX_FMT_BGR0, options: [:])

  /// Writes a clip and returns its path.
  ///
  /// - Parameters:
  ///   - times: presentation times in seconds (default `i / fps`); irregular times make VFR.
  ///   - codec: `nil` picks by extension (H.264 for mp4); `lossless` for exact pixels.
  @discardableResult
  func clip(
    _ name: String, frames: Int = 12, width: Int = 64, height: Int = 48, fps: Double = 24,
    times: [Double]? = nil, audio: AudioTrack? = nil, codec: VideoCodec? = nil, rotation: Int = 0
  ) throws -> String {
    let output = path(name)
    var options = TranscodeOptions(preset: "ultrafast")
    options.videoCodec = codec
    let writer = try VideoWriter(
      to: output, frameRate: fps, audio: audio, options: options, rotation: rotation)
    for i in 0..<frames {
      let time = times?[i] ?? Double(i) / fps
      try writer.append(SyntheticMedia.frame(i, width: width, height: height, time: time))
    }
    try writer.finish()
    return output
  }

  /// A folder of PNG frames with the given file names (frame `i` for `names[i]`).
  func frameFolder(_ name: String, names: [String], width: Int = 16, height: Int = 12) throws
    -> String
  {
    let folder = path(name)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (i, file) in names.enumerated() {
      try writeImage(SyntheticMedia.frame(i, width: width, height: height), to: folder + "/" + file)
    }
    return folder
  }

  /// A 16-bit PCM WAV file (no video stream), written byte by byte.
  func wav(_ name: String, seconds: Double = 0.5) throws -> String {
    let track = SyntheticMedia.sine(seconds: seconds, channels: 1)
    let samples = track.samples[0].map { Int16($0 * 32767) }
    var bytes = [UInt8]()
    func append<T: FixedWidthInteger>(_ value: T) {
      withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
    bytes += Array("RIFF".utf8); append(UInt32(36 + samples.count * 2));
    bytes += Array("WAVEfmt ".utf8)
    append(UInt32(16)); append(UInt16(1)); append(UInt16(1)); append(UInt32(track.sampleRate))
    append(UInt32(track.sampleRate * 2)); append(UInt16(2)); append(UInt16(16))
    bytes += Array("data".utf8); append(UInt32(samples.count * 2))
    for sample in samples { append(sample) }
    let output = path(name)
    try Data(bytes).write(to: URL(fileURLWithPath: output))
    return output
  }
}

/// Reads every frame of `path`.
func readAll(_ path: String, options: ReadOptions = ReadOptions()) throws -> [VideoFrame] {
  let reader = try VideoReader(path, options: options)
  var frames: [VideoFrame] = []
  while let frame = try reader.nextFrame() { frames.append(frame) }
  return frames
}

/// Mean absolute difference of two same-size frames, in 0...255.
func meanAbsDifference(_ a: VideoFrame, _ b: VideoFrame) -> Double {
  precondition(a.width == b.width && a.height == b.height)
  var total = 0
  for i in a.rgb.indices { total += abs(Int(a.rgb[i]) - Int(b.rgb[i])) }
  return Double(total) / Double(a.rgb.count)
}

/// The raw packets of every audio stream, in file order (for byte-exact passthrough checks).
func audioPackets(_ path: String) throws -> [[UInt8]] {
  let input = try InputFile(path: path)
  let packet = try Packet(path: path)
  var packets: [[UInt8]] = []
  while try input.read(into: packet) {
    let stream = input.context.pointee.streams[Int(packet.pointer.pointee.stream_index)]!
    guard stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO,
      let data = packet.pointer.pointee.data
    else { continue }
    packets.append(Array(UnsafeBufferPointer(start: data, count: Int(packet.pointer.pointee.size))))
  }
  return packets
}

/// The identity transform.
func same(_ frame: VideoFrame, _ index: Int) -> VideoFrame { frame }
