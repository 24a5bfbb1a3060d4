import CFFmpeg
import Foundation

/// Generated sound to put next to the video: planar Float samples in -1...1.
public struct AudioTrack: Sendable, Equatable {
  /// Samples per second.
  public var sampleRate: Int
  /// `samples[channel][i]`; all channels the same length.
  public var samples: [[Float]]

  /// Creates a track; `samples` holds one array per channel.
  public init(sampleRate: Int, samples: [[Float]]) {
    precondition(!samples.isEmpty, "AudioTrack needs at least one channel")
    self.sampleRate = sampleRate
    self.samples = samples
  }
}

/// Writes frames made in Swift to a movie (`.mp4`, `.mov`, `.mkv`, `.webm`) or a frame folder.
///
/// Each frame is placed at its own `time` (seconds), so irregular times give a variable frame
/// rate; `frameRate` is the nominal rate stored in the file. Like `transcode`, it writes under a
/// temporary name; `finish()` makes the output appear under its real name.
public final class VideoWriter {
  /// Where the finished output goes.
  public let path: String
  /// Things the caller should know, e.g. that the audio track could not be written.
  public private(set) var warnings: [String] = []
  private let partial: PartialOutput
  private let output: FrameOutput
  private let audio: AudioEncoder?
  private let track: AudioTrack?
  private var audioWritten = 0
  private var resampler: LinearResampler?
  private let ticksPerSecond = 90_000
  private let frameTicks: Int64
  private var finished = false

  /// Opens an output; `crf`/`preset` as in `TranscodeOptions`, `audio` is encoded alongside.
  public convenience init(
    to path: String, frameRate: Double = 25, audio: AudioTrack? = nil, crf: Int? = nil,
    preset: String? = nil, overwrite: Bool = false
  ) throws {
    var options = TranscodeOptions(crf: crf, preset: preset, overwrite: overwrite)
    options.videoCodec = nil
    try self.init(to: path, frameRate: frameRate, audio: audio, options: options)
  }

  /// Opens an output with full options (tests pick other codecs through `videoCodec`).
  init(
    to path: String, frameRate: Double, audio: AudioTrack?, options: TranscodeOptions,
    rotation: Int = 0
  ) throws {
    FFmpegLog.silence()
    let target = try OutputTarget(path, options: options)
    if case .image = target {
      throw VideoError(
        refusing: path, code: cff_averror(EINVAL),
        message: "VideoWriter writes movies and frame folders; use writeImage for one image")
    }
    partial = try PartialOutput(path, isDirectory: target.isDirectory, overwrite: options.overwrite)
    self.path = path
    frameTicks = Int64((Double(ticksPerSecond) / frameRate).rounded())
    track = audio
    do {
      if case .movie(let codec) = target {
        let movie = try MovieOutput(
          path: partial.temporaryPath, codec: codec,
          timeBase: AVRational(num: 1, den: Int32(ticksPerSecond)),
          frameRate: av_d2q(frameRate, 100_000))
        output = movie
        if rotation != 0 { try movie.setRotation(rotation) }
        if let audio, let name = movie.audioEncoderName {
          self.audio = try AudioEncoder(
            output: movie.file, encoder: name,
            sampleRate: AudioEncoder.rate(audio.sampleRate, for: name),
            channels: audio.samples.count)
        } else {
          self.audio = nil
          if audio != nil {
            warnings.append("no audio encoder for .\(fileExtension(path)): audio dropped")
          }
        }
      } else {
        self.audio = nil
        if audio != nil { warnings.append("a frame folder holds no audio: audio dropped") }
        output = FrameFolderOutput(directory: partial.temporaryPath)
      }
    } catch {
      partial.discard()
      throw error
    }
  }

  deinit { if !finished { partial.discard() } }

  /// Appends a frame at `frame.time`; times must increase.
  public func append(_ frame: VideoFrame) throws {
    do {
      let pts = Int64((frame.time * Double(ticksPerSecond)).rounded())
      try output.write(frame, pts: pts, duration: frameTicks)
      try writeAudio(until: frame.time + 1)
    } catch {
      partial.discard()
      finished = true
      throw error
    }
  }

  /// Flushes, closes, and renames the output to `path`.
  public func finish() throws {
    guard !finished else { return }
    finished = true
    do {
      try writeAudio(until: .infinity)
      try audio?.finish()
      try output.finish()
      try partial.commit()
    } catch {
      partial.discard()
      throw error
    }
  }

  /// Feeds the audio encoder up to `time` seconds (resampled linearly if the encoder's rate differs).
  private func writeAudio(until time: Double) throws {
    guard let audio, let track else { return }
    let total = track.samples[0].count
    let end = Int(min(Double(total), time * Double(track.sampleRate)))
    guard end > audioWritten else { return }
    var chunk = track.samples.map { Array($0[audioWritten..<end]) }
    if audio.sampleRate != track.sampleRate {
      var resampler =
        self.resampler
        ?? LinearResampler(from: track.sampleRate, to: audio.sampleRate, channels: chunk.count)
      chunk = resampler.resample(chunk)
      self.resampler = resampler
    }
    try audio.append(chunk)
    audioWritten = end
  }
}

/// Writes one frame as a PNG (or JPEG, by extension) atomically: a temporary name, then a rename.
///
/// Refuses an existing file unless `overwrite`.
public func writeImage(_ frame: VideoFrame, to path: String, overwrite: Bool = false) throws {
  FFmpegLog.silence()
  guard let format = ImageFormat(extension: fileExtension(path)) else {
    throw VideoError(
      refusing: path, code: cff_averror(EINVAL),
      message: "unsupported image type (use .png or .jpg)")
  }
  let bytes = try encodeImage(frame, format: format, path: path)
  try PartialOutput(path, isDirectory: false, overwrite: overwrite).fill {
    try writeNewFile(bytes, to: $0)
  }
}

/// Fills a new folder atomically: `fill` writes into a hidden temporary folder beside `path`,
/// which is renamed to `path` once `fill` returns; if `fill` throws, the temporary folder is
/// deleted and nothing appears under `path`.
///
/// Refuses an existing `path` unless `overwrite`; then the old folder is replaced only when the
/// new one is complete.
public func writeFolder(
  _ path: String, overwrite: Bool = false, _ fill: (_ temporaryFolder: String) throws -> Void
) throws {
  let partial = try PartialOutput(path, isDirectory: true, overwrite: overwrite)
  do {
    try fill(partial.temporaryPath)
    try partial.commit()
  } catch {
    partial.discard()
    throw error
  }
}
