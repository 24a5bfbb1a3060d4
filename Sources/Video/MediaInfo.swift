import CFFmpeg
import Foundation

/// A fraction such as a frame rate (`30000/1001`) or a time base (`1/12800`).
public struct Rational: Codable, Sendable, Equatable, CustomStringConvertible {
  /// Numerator.
  public var numerator: Int
  /// Denominator (0 means "unknown").
  public var denominator: Int

  /// Creates `numerator/denominator`.
  public init(_ numerator: Int, _ denominator: Int) {
    self.numerator = numerator
    self.denominator = denominator
  }

  init(_ value: AVRational) { self.init(Int(value.num), Int(value.den)) }

  /// The value as a `Double`; 0 when the denominator is 0.
  public var value: Double { denominator == 0 ? 0 : Double(numerator) / Double(denominator) }

  public var description: String { "\(numerator)/\(denominator)" }
}

/// The facts about an audio stream that `transcode` copies or re-encodes.
public struct AudioStreamInfo: Codable, Sendable, Equatable {
  /// Codec name as FFmpeg spells it, e.g. `aac`.
  public var codec: String
  /// Samples per second.
  public var sampleRate: Int
  /// Number of channels.
  public var channels: Int
  /// Duration in seconds (0 when unknown).
  public var duration: Double
}

/// Stream facts about a video, an image sequence or a single image.
///
/// `Codable`, so the CLI can print it as JSON. Sizes are the coded size; `displayWidth` and
/// `displayHeight` apply the sample aspect ratio and the rotation, as a player would show it.
public struct MediaInfo: Codable, Sendable, Equatable {
  /// What kind of input this is.
  public enum Kind: String, Codable, Sendable {
    /// A container with a video stream (mp4, mkv, webm, gif, ...).
    case video
    /// A folder of frames or a printf pattern such as `frames/%05d.png`.
    case imageSequence
    /// One still image.
    case image
  }

  /// The path that was probed.
  public var path: String
  /// Input kind.
  public var kind: Kind
  /// Demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
  public var container: String
  /// Video codec name, e.g. `h264`.
  public var codec: String
  /// Pixel format name, e.g. `yuv420p`.
  public var pixelFormat: String
  /// Coded width in pixels.
  public var width: Int
  /// Coded height in pixels.
  public var height: Int
  /// Sample (pixel) aspect ratio; `0/1` or `1/1` for square pixels.
  public var sampleAspectRatio: Rational
  /// Width as displayed: sample aspect ratio and rotation applied.
  public var displayWidth: Int
  /// Height as displayed: sample aspect ratio and rotation applied.
  public var displayHeight: Int
  /// Clockwise rotation from the display matrix: 0, 90, 180 or 270.
  public var rotation: Int
  /// Average frame rate (`avg_frame_rate`, or FFmpeg's guess when the container has none).
  public var frameRate: Rational
  /// The stream's base frame rate (`r_frame_rate`): the lowest rate all timestamps fit.
  public var baseFrameRate: Rational
  /// The unit of the stream's timestamps.
  public var timeBase: Rational
  /// Duration in seconds (0 when unknown).
  public var duration: Double
  /// Number of frames: exact when the container says so, otherwise duration × frame rate.
  public var frameCount: Int
  /// Whether `frameCount` is an estimate.
  public var frameCountIsEstimated: Bool
  /// Audio streams in container order.
  public var audio: [AudioStreamInfo]

  /// Probes `path` (a media file, an image, a frame folder or a printf pattern).
  ///
  /// `frameRate` is the rate assumed for image sequences (default 25).
  public static func probe(_ path: String, frameRate: Double? = nil) throws -> MediaInfo {
    try VideoReader(path, options: ReadOptions(frameRate: frameRate)).info
  }
}

extension MediaInfo {
  /// Reads the facts of `stream` in `input`.
  init(input: InputFile, video stream: UnsafeMutablePointer<AVStream>, kind: Kind) {
    let parameters = stream.pointee.codecpar.pointee
    let timeBase = stream.pointee.time_base
    let formatDuration =
      input.context.pointee.duration > 0
      ? Double(input.context.pointee.duration) / Double(AV_TIME_BASE) : 0
    func seconds(_ stream: UnsafeMutablePointer<AVStream>) -> Double {
      let duration = stream.pointee.duration
      guard duration > 0, duration != FF.noPTS else { return formatDuration }
      return Double(duration) * av_q2d(stream.pointee.time_base)
    }
    var averageRate = stream.pointee.avg_frame_rate
    if averageRate.num <= 0 || averageRate.den <= 0 {
      averageRate = av_guess_frame_rate(input.context, stream, nil)
    }
    let sar = parameters.sample_aspect_ratio
    let sarValue = sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1
    let rotation = Int(cff_stream_rotation(stream))
    let shownWidth = Int((Double(parameters.width) * sarValue).rounded())
    let quarterTurn = rotation == 90 || rotation == 270
    let duration = seconds(stream)
    let exactCount = Int(stream.pointee.nb_frames)

    path = input.path
    self.kind = kind
    container = String(cString: input.context.pointee.iformat.pointee.name)
    codec = String(cString: avcodec_get_name(parameters.codec_id))
    pixelFormat =
      av_get_pix_fmt_name(AVPixelFormat(rawValue: parameters.format)).map {
        String(cString: $0)
      } ?? "unknown"
    width = Int(parameters.width)
    height = Int(parameters.height)
    sampleAspectRatio = Rational(sar)
    displayWidth = quarterTurn ? height : shownWidth
    displayHeight = quarterTurn ? shownWidth : height
    self.rotation = rotation
    frameRate = Rational(averageRate)
    baseFrameRate = Rational(stream.pointee.r_frame_rate)
    self.timeBase = Rational(timeBase)
    self.duration = duration
    frameCountIsEstimated = exactCount <= 0 && kind != .image
    frameCount =
      kind == .image
      ? 1 : exactCount > 0 ? exactCount : Int((duration * av_q2d(averageRate)).rounded())
    audio = input.streams.filter { $0.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO }
      .map {
        let audio = $0.pointee.codecpar.pointee
        return AudioStreamInfo(
          codec: String(cString: avcodec_get_name(audio.codec_id)),
          sampleRate: Int(audio.sample_rate),
          channels: Int(audio.ch_layout.nb_channels), duration: seconds($0))
      }
  }
}

extension MediaInfo: CustomStringConvertible {
  /// A few human-readable lines, as `stylize-video probe` prints them.
  public var description: String {
    func number(_ value: Double) -> String { String(format: "%.3f", value) }
    var lines = [
      "\(path)",
      "  kind:         \(kind.rawValue) (\(container))",
      "  video:        \(codec), \(pixelFormat), \(width)x\(height)"
        + (sampleAspectRatio.numerator > 0 && sampleAspectRatio != Rational(1, 1)
          ? ", sample aspect \(sampleAspectRatio)" : ""),
      "  display size: \(displayWidth)x\(displayHeight)"
        + (rotation != 0 ? " (rotated \(rotation)°)" : ""),
      "  frame rate:   \(number(frameRate.value)) fps (average \(frameRate), base \(baseFrameRate))",
      "  time base:    \(timeBase)",
      "  duration:     \(number(duration)) s",
      "  frames:       \(frameCount)" + (frameCountIsEstimated ? " (estimated)" : ""),
    ]
    if audio.isEmpty { lines.append("  audio:        none") }
    for (index, stream) in audio.enumerated() {
      lines.append(
        "  audio #\(index):     \(stream.codec), \(stream.sampleRate) Hz, \(stream.channels) ch, "
          + "\(number(stream.duration)) s")
    }
    return lines.joined(separator: "\n")
  }
}
