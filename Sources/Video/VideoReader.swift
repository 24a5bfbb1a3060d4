import CFFmpeg

/// How `VideoReader` sizes and times what it reads.
public struct ReadOptions: Sendable, Equatable {
  /// Scale so the longer displayed side has this many pixels (up or down).
  public var longSide: Int?
  /// Scale down so a frame has at most this many pixels.
  public var pixelBudget: Int?
  /// Frames per second assumed for folders and printf patterns (default 25).
  public var frameRate: Double?
  /// Rotate frames upright per the display matrix (default true).
  public var applyRotation: Bool
  /// The frames to read (default: all). Frames before the start are decoded and skipped.
  public var range: FrameRange

  /// Creates options; all `nil` means native size.
  public init(
    longSide: Int? = nil, pixelBudget: Int? = nil, frameRate: Double? = nil,
    applyRotation: Bool = true, range: FrameRange = .whole
  ) {
    self.longSide = longSide
    self.pixelBudget = pixelBudget
    self.frameRate = frameRate
    self.applyRotation = applyRotation
    self.range = range
  }
}

/// Reads RGB frames from a video file, a folder of images, a printf pattern or a single image.
///
/// Frames come out upright (rotation metadata applied), with square pixels, at the size asked
/// for in `ReadOptions`, with their presentation time in seconds from the start of the stream
/// (also when a `FrameRange` starts later).
/// A damaged (e.g. truncated) file yields the frames that decode; the damage is listed in
/// `warnings` once `nextFrame()` has returned `nil`.
public final class VideoReader {
  /// Stream facts of the input.
  public let info: MediaInfo
  /// Width of the frames `nextFrame()` returns.
  public var width: Int { geometry.outputWidth }
  /// Height of the frames `nextFrame()` returns.
  public var height: Int { geometry.outputHeight }
  /// Damage found so far (e.g. "only 12 of 30 frames ... could be decoded").
  public var warnings: [String] { source.warnings }

  let source: PictureSource
  let geometry: Geometry
  let range: FrameRange
  private let scaler: Scaler
  private let rgbFrame: Frame
  /// Frames decoded so far, including those skipped before the range.
  private var decodedCount = 0
  /// Whether reading stopped at the end of the range (rather than the end of the input).
  private(set) var reachedRangeEnd = false

  /// Opens `path`: a media file, an image, a folder of images or a pattern like `frames/%05d.png`.
  public init(_ path: String, options: ReadOptions = ReadOptions()) throws {
    FFmpegLog.silence()
    let frameRate = options.frameRate ?? 25
    switch PathKind(path) {
    case .directory:
      source = try DirectorySource(directory: path, frameRate: frameRate)
    case .pattern:
      source = try MediaSource(
        path: path, kind: .imageSequence, format: "image2", options: ["framerate": "\(frameRate)"])
    case .image:
      source = try MediaSource(path: path, kind: .image)
    case .media:
      source = try MediaSource(path: path, kind: .video)
    }
    info = source.info
    geometry = Geometry(
      info: info, longSide: options.longSide, pixelBudget: options.pixelBudget,
      applyRotation: options.applyRotation)
    range = options.range
    scaler = Scaler(path: path)
    rgbFrame = try Frame(path: path)
  }

  /// The next frame in presentation order, or `nil` after the last one.
  public func nextFrame() throws -> VideoFrame? {
    try nextTimedFrame()?.frame
  }

  /// The next frame together with its timing in the source's time base (for `transcode`).
  func nextTimedFrame() throws -> (frame: VideoFrame, pts: Int64, duration: Int64)? {
    var picture: Picture
    var time: Double
    repeat {
      guard !reachedRangeEnd, let next = try source.nextPicture() else { return nil }
      picture = next
      time = Double(picture.pts - source.startPTS) * av_q2d(source.timeBase)
      decodedCount += 1
      if range.isAtOrPastEnd(index: decodedCount - 1, time: time) {
        reachedRangeEnd = true
        return nil
      }
    } while range.isBeforeStart(index: decodedCount - 1, time: time)
    try scaler.scale(
      picture.frame, into: rgbFrame, width: geometry.scaledWidth, height: geometry.scaledHeight,
      format: AV_PIX_FMT_RGB24)
    let frame = rotated(
      VideoFrame(rgb24: rgbFrame.pointer, time: time), clockwise: geometry.rotation)
    return (frame, picture.pts, picture.duration)
  }
}
