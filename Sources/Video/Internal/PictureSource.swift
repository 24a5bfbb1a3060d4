import CFFmpeg

/// A decoded picture (valid until the next `nextPicture()` call) and its timing.
struct Picture {
  let frame: UnsafeMutablePointer<AVFrame>
  /// Presentation time in the source's time base.
  let pts: Int64
  /// How long the picture is shown, in the source's time base.
  let duration: Int64
}

/// Where decoded pictures come from: one demuxed file, or a folder of images.
protocol PictureSource: AnyObject {
  var info: MediaInfo { get }
  var timeBase: AVRational { get }
  /// Timestamp of the stream's start; `VideoFrame.time` counts from here.
  var startPTS: Int64 { get }
  /// Damage found while reading (decodable frames are still returned).
  var warnings: [String] { get }
  func nextPicture() throws -> Picture?
}

/// Decodes the best video stream of a media file, image or printf pattern.
///
/// Damage policy: a read or decode error after the file opened does not throw; it ends (or skips)
/// the damaged part and is recorded in `warnings`, so a truncated file yields what is decodable.
final class MediaSource: PictureSource {
  let input: InputFile
  let stream: UnsafeMutablePointer<AVStream>
  let info: MediaInfo
  private(set) var warnings: [String] = []
  /// Receives every packet that is not from the video stream (transcode copies audio here).
  var otherPacket: ((UnsafeMutablePointer<AVPacket>) throws -> Void)?
  private let decoder: Codec
  private let packet: Packet
  private let frame: Frame
  private var draining = false
  private var finished = false
  private var lastPTS: Int64?
  private var decodedCount = 0
  private var failedPackets = 0

  init(path: String, kind: MediaInfo.Kind, format: String? = nil, options: [String: String] = [:])
    throws
  {
    input = try InputFile(path: path, format: format, options: options)
    packet = try Packet(path: path)
    frame = try Frame(path: path)
    stream = try input.bestVideoStream()
    decoder = try Codec(decoding: stream, path: path)
    info = MediaInfo(input: input, video: stream, kind: kind)
  }

  var timeBase: AVRational { stream.pointee.time_base }
  var startPTS: Int64 { stream.pointee.start_time == FF.noPTS ? 0 : stream.pointee.start_time }

  func nextPicture() throws -> Picture? {
    if finished { return nil }
    while true {
      if try receive() == .ready { return timed(frame.pointer) }
      if draining { return finish() }
      if try !readPacket() {
        draining = true
        _ = try decoder.send(packet: nil)
        continue
      }
      if packet.pointer.pointee.stream_index == stream.pointee.index {
        sendToDecoder()
      } else {
        try otherPacket?(packet.pointer)
      }
    }
  }

  /// Reads on without decoding video, handing other packets to `otherPacket`, while `wanted()`.
  func readOtherPackets(while wanted: () -> Bool) throws {
    while wanted(), try readPacket() {
      if packet.pointer.pointee.stream_index != stream.pointee.index {
        try otherPacket?(packet.pointer)
      }
    }
  }

  private func receive() throws -> CodecStep {
    do { return try decoder.receive(frame: frame) } catch let error as VideoError {
      warnings.append("a frame could not be decoded: \(error.message)")
      return .again
    }
  }

  /// Reads the next packet; a read error counts as the end of a damaged file.
  private func readPacket() throws -> Bool {
    do { return try input.read(into: packet) } catch let error as VideoError {
      warnings.append("'\(input.path)' is damaged after frame \(decodedCount): \(error.message)")
      return false
    }
  }

  private func sendToDecoder() {
    do {
      // The loop receives before every send, so the decoder always has room (no `.again`).
      _ = try decoder.send(packet: packet.pointer)
    } catch {
      failedPackets += 1
    }
  }

  private func finish() -> Picture? {
    if failedPackets > 0 { warnings.append("\(failedPackets) damaged video packets were skipped") }
    if !info.frameCountIsEstimated && info.kind == .video && decodedCount < info.frameCount {
      warnings.append(
        "only \(decodedCount) of \(info.frameCount) frames of '\(input.path)' could be decoded")
    }
    finished = true
    return nil
  }

  /// Timing of a decoded frame: best-effort pts, kept strictly increasing.
  private func timed(_ frame: UnsafeMutablePointer<AVFrame>) -> Picture {
    var duration = frame.pointee.pkt_duration
    if duration <= 0 {
      let rate = av_q2d(av_guess_frame_rate(input.context, stream, frame))
      duration = max(1, Int64((1 / (rate > 0 ? rate : 25) / av_q2d(timeBase)).rounded()))
    }
    var pts = frame.pointee.best_effort_timestamp
    if pts == FF.noPTS { pts = frame.pointee.pts }
    if pts == FF.noPTS { pts = (lastPTS.map { $0 + duration }) ?? startPTS }
    if let lastPTS, pts <= lastPTS { pts = lastPTS + 1 }
    lastPTS = pts
    decodedCount += 1
    return Picture(frame: frame, pts: pts, duration: duration)
  }
}

/// The images of a folder in natural order (`frame2` before `frame10`), shown at a fixed rate.
final class DirectorySource: PictureSource {
  static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp"]

  let info: MediaInfo
  let timeBase: AVRational
  let startPTS: Int64 = 0
  private(set) var warnings: [String] = []
  private let files: [String]
  private var index = 0
  private var current: MediaSource?

  init(directory: String, frameRate: Double) throws {
    files = try naturallySortedImages(in: directory)
    guard let first = files.first else {
      throw VideoError(
        refusing: directory, code: cff_averror_stream_not_found(),
        message: "no images (png, jpg, bmp, tiff, webp) in the folder")
    }
    let rate = av_d2q(frameRate, 100_000)
    timeBase = av_inv_q(rate)
    var info = try MediaSource(path: first, kind: .image).info
    info.path = directory
    info.kind = .imageSequence
    info.container = "directory"
    info.frameRate = Rational(rate)
    info.baseFrameRate = Rational(rate)
    info.timeBase = Rational(timeBase)
    info.frameCount = files.count
    info.frameCountIsEstimated = false
    info.duration = Double(files.count) / frameRate
    self.info = info
  }

  func nextPicture() throws -> Picture? {
    guard index < files.count else { return nil }
    let source = try MediaSource(path: files[index], kind: .image)
    guard let picture = try source.nextPicture() else {
      throw VideoError(
        refusing: files[index], code: cff_averror_invaliddata(),
        message: "the image holds no decodable picture")
    }
    current = source  // keeps `picture.frame` alive until the next call
    defer { index += 1 }
    return Picture(frame: picture.frame, pts: Int64(index), duration: 1)
  }
}
