import CFFmpeg
import Foundation

/// Settings for `transcode(from:to:options:transform:)`.
public struct TranscodeOptions: Sendable {
  /// Size and frame rate of the frames handed to `transform`.
  public var read: ReadOptions
  /// Write only the first N frames (a preview); the audio is cut to the same duration.
  public var frameLimit: Int?
  /// Encoder quality: x264 CRF (default 18) or VP9 CRF (default 32).
  public var crf: Int?
  /// x264 preset (default `medium`).
  public var preset: String?
  /// Replace an existing output (default: refuse).
  public var overwrite: Bool
  /// When set, a video or folder output must get exactly this many frames, or nothing is
  /// written: for a caller whose frames were made from an earlier decode of the same input.
  public var expectedFrameCount: Int?
  /// Test hook: another video encoder (e.g. lossless `ffv1`).
  var videoCodec: VideoCodec?

  /// Creates options; the defaults read at native size and write every frame.
  public init(
    read: ReadOptions = ReadOptions(), frameLimit: Int? = nil, crf: Int? = nil,
    preset: String? = nil, overwrite: Bool = false, expectedFrameCount: Int? = nil
  ) {
    self.read = read
    self.frameLimit = frameLimit
    self.crf = crf
    self.preset = preset
    self.overwrite = overwrite
    self.expectedFrameCount = expectedFrameCount
  }
}

/// What `transcode` wrote.
public struct TranscodeSummary: Sendable, Equatable {
  /// The output path (under its final name).
  public var output: String
  /// Number of frames written.
  public var framesWritten: Int
  /// Things the caller should know: audio dropped, damaged input, ...
  public var warnings: [String]
}

/// Decodes `input`, calls `transform` on each frame in order, and writes the results to `output`.
///
/// The output kind follows its extension: `.mp4`/`.mov`/`.mkv` H.264 (yuv420p, CRF 18, preset
/// medium, faststart for mp4), `.webm` VP9; `.png`/`.jpg` one image (the first frame); no
/// extension, a trailing `/` or an existing folder: a folder of `00001.png`, ....
/// Each output frame keeps its input frame's timestamp (variable frame rate stays variable),
/// moved earlier by the start of `options.read.range` (so a range starts at time 0, with its
/// audio). The encoder size comes from the first transformed frame (rounded down to even for
/// yuv420p); other sizes are scaled to it. Audio streams are copied when the container accepts the codec, else
/// re-encoded (AAC; Opus for webm), else dropped with a warning. The output is written under a
/// temporary name and renamed on success; an existing output is refused unless `overwrite`.
///
/// - Parameter transform: receives the frame (time in seconds) and its index from 0; returns
///   the frame to write, of any size. Its returned `time` is ignored: the input's timing is kept.
@discardableResult
public func transcode(
  from input: String, to output: String, options: TranscodeOptions = TranscodeOptions(),
  transform: (VideoFrame, _ index: Int) throws -> VideoFrame
) throws -> TranscodeSummary {
  FFmpegLog.silence()
  let target = try OutputTarget(output, options: options)
  if URL(fileURLWithPath: input).standardizedFileURL
    == URL(fileURLWithPath: output).standardizedFileURL
  {
    throw VideoError(
      refusing: output, code: cff_averror(EINVAL), message: "the output would replace the input")
  }
  let reader = try VideoReader(input, options: options.read)
  let partial = try PartialOutput(
    output, isDirectory: target.isDirectory, overwrite: options.overwrite)
  do {
    let frameLimit = target.frameLimit ?? options.frameLimit
    var session = try TranscodeSession(
      reader: reader, target: target, path: partial.temporaryPath,
      holdAudio: frameLimit != nil || options.read.range != .whole)
    let written = try session.run(frameLimit: frameLimit, transform: transform)
    if let expected = options.expectedFrameCount, target.frameLimit == nil, written != expected {
      throw VideoError(
        refusing: input, code: cff_averror_invaliddata(),
        message: "gave \(written) frames for the encode where \(expected) were expected, so "
          + "nothing was written to '\(output)'")
    }
    try partial.commit()
    return TranscodeSummary(output: output, framesWritten: written, warnings: session.warnings)
  } catch let error as VideoError where error.path == partial.temporaryPath {
    partial.discard()
    throw error.about(output)
  } catch {
    partial.discard()
    throw error
  }
}

/// The kind of file or folder an output path asks for.
enum OutputTarget {
  case movie(VideoCodec)
  case folder
  case image(ImageFormat)

  init(_ path: String, options: TranscodeOptions) throws {
    let ext = fileExtension(path)
    if path.hasSuffix("/") || ext.isEmpty || PathKind(path) == .directory {
      self = .folder
    } else if let format = ImageFormat(extension: ext) {
      self = .image(format)
    } else if let codec = options.videoCodec
      ?? VideoCodec.forExtension(ext, crf: options.crf, preset: options.preset)
    {
      self = .movie(codec)
    } else {
      throw VideoError(
        refusing: path, code: cff_averror(EINVAL),
        message:
          "unsupported output type '.\(ext)' (use .mp4, .mov, .mkv, .webm, .png, .jpg or a folder)")
    }
  }

  var isDirectory: Bool { if case .folder = self { true } else { false } }
  var frameLimit: Int? { if case .image = self { 1 } else { nil } }
}

/// One run of the transcode loop (transcode.c's shape): frames to the output, audio alongside.
struct TranscodeSession {
  private let reader: VideoReader
  private let output: FrameOutput
  private var audio: AudioRouter?
  private(set) var warnings: [String] = []

  /// `holdAudio`: the audio's cut points are known only once the frames are read (a preview or
  /// a range).
  init(reader: VideoReader, target: OutputTarget, path: String, holdAudio: Bool) throws {
    self.reader = reader
    switch target {
    case .folder:
      output = FrameFolderOutput(directory: path)
    case .image(let format):
      output = ImageOutput(path: path, format: format)
    case .movie(let codec):
      let movie = try MovieOutput(
        path: path, codec: codec, timeBase: reader.source.timeBase,
        frameRate: av_d2q(reader.info.frameRate.value, 100_000))
      output = movie
      if let source = reader.source as? MediaSource {
        let router = try AudioRouter(source: source, movie: movie, hold: holdAudio)
        warnings += router.warnings
        audio = router
      }
    }
  }

  /// Writes up to `frameLimit` frames; returns how many were written.
  mutating func run(frameLimit: Int?, transform: (VideoFrame, Int) throws -> VideoFrame) throws
    -> Int
  {
    var index = 0
    // A range that starts later is moved to the stream's start time, audio alike.
    var shift: (pts: Int64, seconds: Double)? = nil
    var end: Double? = nil
    while frameLimit.map({ index < $0 }) ?? true, let next = try reader.nextTimedFrame() {
      if shift == nil && reader.range.start != nil {
        shift = (next.pts - reader.source.startPTS, next.frame.time)
      }
      let pts = next.pts - (shift?.pts ?? 0)
      try output.write(try transform(next.frame, index), pts: pts, duration: next.duration)
      index += 1
      end = next.frame.time + Double(next.duration) * av_q2d(reader.source.timeBase)
    }
    // A preview or range cuts the audio where its first frame starts and its last frame ends.
    let reachedLimit = (frameLimit.map { index >= $0 } ?? false) || reader.reachedRangeEnd
    try audio?.finish(from: shift?.seconds, cutAt: reachedLimit ? end : nil)
    if index == 0 {
      throw VideoError(
        refusing: reader.info.path, code: cff_averror_invaliddata(),
        message: "no video frame could be decoded")
    }
    try output.finish()
    warnings += reader.warnings
    if output is ImageOutput && reader.info.frameCount > 1 {
      warnings.append(
        "the output is one image: only the first of \(reader.info.frameCount) frames was written")
    }
    return index
  }
}

/// A single still image (the first frame written).
final class ImageOutput: FrameOutput {
  private let path: String
  private let format: ImageFormat

  init(path: String, format: ImageFormat) {
    self.path = path
    self.format = format
  }

  func write(_ frame: VideoFrame, pts: Int64, duration: Int64) throws {
    try writeNewFile(try encodeImage(frame, format: format, path: path), to: path)
  }

  func finish() throws {}
}
