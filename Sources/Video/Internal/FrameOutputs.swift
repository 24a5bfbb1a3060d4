import CFFmpeg
import Foundation

/// Where `transcode` and `VideoWriter` put frames: a movie file or a folder of PNGs.
protocol FrameOutput: AnyObject {
  /// Writes a frame shown at `pts` for `duration` (both in the input's time base).
  func write(_ frame: VideoFrame, pts: Int64, duration: Int64) throws
  /// Flushes and closes; the output is complete afterwards.
  func finish() throws
}

/// A movie file: a video stream created from the first frame, plus audio streams added up front.
final class MovieOutput: FrameOutput {
  let file: OutputFile
  private let videoStream: UnsafeMutablePointer<AVStream>
  private let codec: VideoCodec
  private let timeBase: AVRational
  private let frameRate: AVRational
  private let headerOptions: [String: String]
  private var encoder: VideoEncoder?

  init(path: String, codec: VideoCodec, timeBase: AVRational, frameRate: AVRational) throws {
    file = try OutputFile(path: path)
    videoStream = try file.addStream()  // first, so players see video as stream 0
    self.codec = codec
    self.timeBase = timeBase
    self.frameRate = frameRate
    let ext = fileExtension(path)
    headerOptions = ext == "mp4" || ext == "mov" || ext == "m4v" ? ["movflags": "+faststart"] : [:]
  }

  /// Asks players to rotate the video clockwise by `degrees` (display matrix; for test fixtures).
  func setRotation(_ degrees: Int) throws {
    try check(
      cff_set_stream_rotation(videoStream, Int32(degrees)), "av_stream_new_side_data", file.path)
  }

  /// Frames encoded so far.
  var frameCount: Int { encoder?.frameCount ?? 0 }

  /// Native (`aac`) or Opus (`libopus`, else the native `opus`) for re-encoding audio, if any exists.
  var audioEncoderName: String? {
    let candidates = fileExtension(file.path) == "webm" ? ["libopus", "opus"] : ["aac"]
    return candidates.first { avcodec_find_encoder_by_name($0) != nil }
  }

  /// Adds a stream that receives `input`'s packets unchanged.
  func addCopy(of input: UnsafeMutablePointer<AVStream>) throws -> Int32 {
    let stream = try file.addStream()
    try check(
      avcodec_parameters_copy(stream.pointee.codecpar, input.pointee.codecpar),
      "avcodec_parameters_copy", file.path)
    stream.pointee.codecpar.pointee.codec_tag = 0
    stream.pointee.time_base = input.pointee.time_base
    return stream.pointee.index
  }

  func write(_ frame: VideoFrame, pts: Int64, duration: Int64) throws {
    if encoder == nil {
      encoder = try VideoEncoder(
        output: file, stream: videoStream, codec: codec, width: frame.width, height: frame.height,
        timeBase: timeBase, frameRate: frameRate)
      try file.writeHeader(options: headerOptions)
    }
    try encoder?.encode(frame, pts: pts, duration: duration)
  }

  /// Flushes the video encoder and writes the trailer; finish the audio streams first.
  func finish() throws {
    guard let encoder else {
      throw VideoError(
        refusing: file.path, code: cff_averror_invaliddata(), message: "no video frame to write")
    }
    try encoder.finish()
    try file.finish()
  }
}

/// A folder of zero-padded PNGs (`00001.png`, ...) and nothing else.
final class FrameFolderOutput: FrameOutput {
  private let directory: String
  private(set) var frameCount = 0

  init(directory: String) { self.directory = directory }

  func write(_ frame: VideoFrame, pts: Int64, duration: Int64) throws {
    frameCount += 1
    let name = String(format: "%05d.png", frameCount)
    let path = (directory as NSString).appendingPathComponent(name)
    try writeNewFile(try encodeImage(frame, format: .png, path: path), to: path)
  }

  func finish() throws {}
}

/// Still-image encoders: a PNG or JPEG packet is a complete file, so no muxer is needed.
enum ImageFormat {
  case png, jpeg

  init?(extension ext: String) {
    switch ext {
    case "png": self = .png
    case "jpg", "jpeg": self = .jpeg
    default: return nil
    }
  }
}

/// Encodes one frame as PNG (RGB24, lossless) or JPEG (quality ~95).
func encodeImage(_ frame: VideoFrame, format: ImageFormat, path: String) throws -> [UInt8] {
  let (name, pixelFormat) =
    format == .png ? ("png", AV_PIX_FMT_RGB24) : ("mjpeg", AV_PIX_FMT_YUVJ420P)
  let codec = try Codec(encoder: name, path: path) { context in
    context.pointee.width = Int32(frame.width)
    context.pointee.height = Int32(frame.height)
    context.pointee.pix_fmt = pixelFormat
    context.pointee.time_base = AVRational(num: 1, den: 25)
    context.pointee.color_range = AVCOL_RANGE_JPEG
    if format == .jpeg {
      context.pointee.flags |= AV_CODEC_FLAG_QSCALE
      context.pointee.global_quality = 2 * FF_QP2LAMBDA
    }
  }
  let rgb = try Frame(path: path), converted = try Frame(path: path)
  let packet = try Packet(path: path)
  try frame.copy(into: rgb)
  var source = rgb
  if pixelFormat != AV_PIX_FMT_RGB24 {
    try Scaler(path: path).scale(
      rgb.pointer, into: converted, width: frame.width, height: frame.height, format: pixelFormat)
    source = converted
  }
  source.pointer.pointee.pts = 0
  _ = try codec.send(frame: source.pointer)
  _ = try codec.send(frame: nil)
  guard try codec.receive(packet: packet) == .ready, let data = packet.pointer.pointee.data else {
    throw VideoError(
      function: "avcodec_receive_packet", path: path, code: cff_averror_invaliddata())
  }
  return Array(UnsafeBufferPointer(start: data, count: Int(packet.pointer.pointee.size)))
}
