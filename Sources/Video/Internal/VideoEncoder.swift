import CFFmpeg

/// Which encoder writes the video, by output extension.
struct VideoCodec: Sendable, Equatable {
  var name: String
  var pixelFormat: AVPixelFormat
  var options: [String: String]

  /// Whether frame sizes must be even (chroma subsampled 2x2).
  var needsEvenSize: Bool { pixelFormat == AV_PIX_FMT_YUV420P }

  /// H.264 for mp4/mov/mkv, VP9 for webm; `nil` for other extensions.
  static func forExtension(_ ext: String, crf: Int?, preset: String?) -> VideoCodec? {
    switch ext {
    case "mp4", "mov", "m4v", "mkv":
      return VideoCodec(
        name: "libx264", pixelFormat: AV_PIX_FMT_YUV420P,
        options: ["crf": "\(crf ?? 18)", "preset": preset ?? "medium"])
    case "webm":
      return VideoCodec(
        name: "libvpx-vp9", pixelFormat: AV_PIX_FMT_YUV420P,
        options: [
          "crf": "\(crf ?? 32)", "b": "0", "deadline": "good", "cpu-used": "4", "row-mt": "0",
        ])
    default:
      return nil
    }
  }
}

/// One video stream: RGB frames → (swscale to the encoder size and format) → encoder → muxer.
///
/// The encoder size is fixed by the first frame (made even where the format needs it); later
/// frames of another size are scaled to it.
final class VideoEncoder {
  private let output: OutputFile
  private let codec: Codec
  private let stream: UnsafeMutablePointer<AVStream>
  private let timeBase: AVRational
  private let rgb: Frame
  private let converted: Frame
  private let packet: Packet
  private let scaler: Scaler
  private var durations: [Int64: Int64] = [:]
  /// Frames sent to the encoder.
  private(set) var frameCount = 0

  /// Creates the encoder for `stream` (already added to `output`); `timeBase` is the unit of the `pts` given to `encode`.
  init(
    output: OutputFile, stream: UnsafeMutablePointer<AVStream>, codec settings: VideoCodec,
    width: Int, height: Int,
    timeBase: AVRational, frameRate: AVRational
  ) throws {
    let (width, height) =
      settings.needsEvenSize ? (max(2, width & ~1), max(2, height & ~1)) : (width, height)
    let globalHeader = output.needsGlobalHeader
    codec = try Codec(encoder: settings.name, path: output.path, options: settings.options) {
      context in
      context.pointee.width = Int32(width)
      context.pointee.height = Int32(height)
      context.pointee.pix_fmt = settings.pixelFormat
      context.pointee.time_base = timeBase
      context.pointee.framerate = frameRate
      context.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
      if globalHeader { context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
    }
    self.stream = stream
    try check(
      avcodec_parameters_from_context(stream.pointee.codecpar, codec.context),
      "avcodec_parameters_from_context", output.path)
    stream.pointee.time_base = timeBase
    stream.pointee.avg_frame_rate = frameRate
    stream.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
    self.output = output
    self.timeBase = timeBase
    scaler = Scaler(path: output.path)
    rgb = try Frame(path: output.path)
    converted = try Frame(path: output.path)
    packet = try Packet(path: output.path)
  }

  /// Encoder size (after rounding to even).
  var width: Int { Int(codec.context.pointee.width) }
  var height: Int { Int(codec.context.pointee.height) }

  /// Encodes `frame` at `pts` (in the encoder time base), shown for `duration`.
  func encode(_ frame: VideoFrame, pts: Int64, duration: Int64) throws {
    try frame.copy(into: rgb)
    try scaler.scale(
      rgb.pointer, into: converted, width: width, height: height,
      format: codec.context.pointee.pix_fmt)
    converted.pointer.pointee.pts = pts
    durations[pts] = duration
    frameCount += 1
    _ = try codec.send(frame: converted.pointer)
    try drain()
  }

  /// Flushes the frames the encoder still holds.
  func finish() throws {
    _ = try codec.send(frame: nil)
    try drain()
  }

  private func drain() throws {
    while try codec.receive(packet: packet) == .ready {
      packet.pointer.pointee.stream_index = stream.pointee.index
      if packet.pointer.pointee.duration <= 0, let duration = durations[packet.pointer.pointee.pts]
      {
        packet.pointer.pointee.duration = duration
      }
      durations[packet.pointer.pointee.pts] = nil
      try output.write(packet.pointer, timeBase: timeBase)
    }
  }
}
