import CFFmpeg
import Foundation
import TestSupport

@testable import Video

/// Writes the files of the bad-input corpus into a folder: broken, truncated, odd and extreme
/// media, made with the FFmpeg libraries (through Video's writer), byte by byte (PNGs, WAV) or
/// from a seeded generator (random bytes), so nothing binary is committed.
struct BadInputCorpus {
  let folder: String

  init(in folder: String) throws {
    self.folder = folder
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  func path(_ name: String) -> String { folder + "/" + name }

  /// Writes `bytes` as `name`; returns its path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = path(name)
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// `count` bytes from a xorshift64 generator seeded with `seed` (the same bytes every run).
  static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    return (0..<count).map { _ in
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return UInt8(truncatingIfNeeded: state >> 24)
    }
  }

  /// A clip of `frames` moving-gradient frames (`codec` by name and pixel format; nil picks by
  /// extension), a keyframe every 4 frames; returns its path.
  @discardableResult
  func clip(
    _ name: String, frames: Int = 8, width: Int = 32, height: Int = 24,
    codec: VideoCodec? = nil, rotation: Int = 0, audio: Bool = false
  ) throws -> String {
    var options = TranscodeOptions(preset: "ultrafast")
    options.videoCodec =
      codec ?? VideoCodec.forExtension(
        URL(fileURLWithPath: name).pathExtension, crf: nil, preset: "ultrafast")
    options.videoCodec?.options["g"] = "4"
    try FileManager.default.createDirectory(
      atPath: (path(name) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let tone = (0..<22_050).map { Float(0.3 * sin(2 * Double.pi * 440 * Double($0) / 44_100)) }
    let writer = try VideoWriter(
      to: path(name), frameRate: 12,
      audio: audio ? AudioTrack(sampleRate: 44_100, samples: [tone, tone]) : nil,
      options: options, rotation: rotation)
    for index in 0..<frames {
      try writer.append(Self.frame(index, width: width, height: height, time: Double(index) / 12))
    }
    try writer.finish()
    return path(name)
  }

  /// Frame `index` of a smooth gradient moving 2 px a frame.
  static func frame(_ index: Int, width: Int, height: Int, time: Double = 0) -> VideoFrame {
    var rgb = [UInt8](repeating: 0, count: 3 * width * height)
    for y in 0..<height {
      for x in 0..<width {
        let p = 3 * (y * width + x)
        rgb[p] = UInt8((x * 6 + index * 12) % 256)
        rgb[p + 1] = UInt8((y * 8 + 40) % 256)
        rgb[p + 2] = UInt8((x * 3 + y * 3 + index * 5) % 256)
      }
    }
    return VideoFrame(width: width, height: height, rgb: rgb, time: time)
  }

  /// The first `count` bytes of `source`, written as `name`.
  @discardableResult
  func truncated(_ source: String, to count: Int, as name: String) throws -> String {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
    return try write(name, Array(bytes.prefix(count)))
  }

  /// Where the first `tag` (e.g. "mdat", or Matroska's Cluster id) starts in `path`.
  static func offset(of tag: [UInt8], in path: String) throws -> Int? {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    guard bytes.count >= tag.count else { return nil }
    return (0...(bytes.count - tag.count)).first { bytes[$0..<$0 + tag.count].elementsEqual(tag) }
  }

  /// Byte offsets and sizes of the first `count` video packets of `path`, from the demuxer.
  static func videoPackets(_ path: String, count: Int) throws -> [(offset: Int, size: Int)] {
    let input = try InputFile(path: path)
    let packet = try Packet(path: path)
    var found: [(offset: Int, size: Int)] = []
    while found.count < count, try input.read(into: packet) {
      let stream = input.context.pointee.streams[Int(packet.pointer.pointee.stream_index)]!
      guard stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO else { continue }
      found.append((Int(packet.pointer.pointee.pos), Int(packet.pointer.pointee.size)))
    }
    return found
  }

  /// A copy of `source` whose first `frames` video packets are overwritten (all but their
  /// first 8 bytes) with random bytes: the container is intact, the pictures are not.
  @discardableResult
  func corruptingFirstFrames(_ source: String, frames: Int, as name: String) throws -> String {
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
    for (index, packet) in try Self.videoPackets(source, count: frames).enumerated() {
      let start = packet.offset + 8
      let end = min(packet.offset + packet.size, bytes.count)
      guard start < end else { continue }
      let noise = Self.randomBytes(end - start, seed: UInt64(index + 99))
      bytes.replaceSubrange(start..<end, with: noise)
    }
    return try write(name, bytes)
  }

  /// A folder of PNG frames `00001.png` ..., one per size in `sizes`.
  @discardableResult
  func frameFolder(_ name: String, sizes: [(Int, Int)]) throws -> String {
    let folder = path(name)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (index, size) in sizes.enumerated() {
      try writeImage(
        Self.frame(index, width: size.0, height: size.1),
        to: folder + String(format: "/%05d.png", index + 1))
    }
    return folder
  }

  /// A 16-bit PCM mono WAV of a 440 Hz tone (no video stream).
  @discardableResult
  func wav(_ name: String, seconds: Double = 0.5) throws -> String {
    let rate = 22_050
    let samples = (0..<Int(seconds * Double(rate))).map {
      Int16(12_000 * sin(2 * Double.pi * 440 * Double($0) / Double(rate)))
    }
    var bytes: [UInt8] = []
    func append<T: FixedWidthInteger>(_ value: T) {
      withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
    bytes += Array("RIFF".utf8)
    append(UInt32(36 + 2 * samples.count))
    bytes += Array("WAVEfmt ".utf8)
    append(UInt32(16))
    append(UInt16(1))
    append(UInt16(1))
    append(UInt32(rate))
    append(UInt32(2 * rate))
    append(UInt16(2))
    append(UInt16(16))
    bytes += Array("data".utf8)
    append(UInt32(2 * samples.count))
    for sample in samples { append(sample) }
    return try write(name, bytes)
  }
}

/// A checksum of a file, or of every file under a folder (names and contents), to show that
/// a command left its input untouched.
func contentsDigest(_ path: String) -> String {
  var isFolder: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
    return "missing"
  }
  var text: [UInt8] = []
  if isFolder.boolValue {
    let names = ((try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []).sorted()
    for name in names {
      text += Array(name.utf8) + [0]
      text += (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/" + name)))) ?? []
    }
  } else {
    text = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
  }
  var hash: UInt64 = 0xcbf2_9ce4_8422_2325
  for byte in text { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
  return String(hash, radix: 16) + " (\(text.count) bytes)"
}
