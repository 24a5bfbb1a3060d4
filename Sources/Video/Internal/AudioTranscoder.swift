import CFFmpeg

/// Re-encodes one input audio stream: decode → Float planar → resample (linear) → `AudioEncoder`.
///
/// Used when the output container cannot hold the input codec (e.g. AAC into webm).
/// Linear interpolation is a simple resampler (libswresample is not linked); it is only used
/// when the encoder cannot take the input rate (Opus wants 48 kHz).
final class AudioTranscoder {
  private let decoder: Codec
  private let encoder: AudioEncoder
  private let frame: Frame
  private let inputRate: Int
  private let timeBase: AVRational
  private var resampler: LinearResampler
  private let path: String

  init(
    stream: UnsafeMutablePointer<AVStream>, output: OutputFile, encoder name: String, path: String
  ) throws {
    let parameters = stream.pointee.codecpar.pointee
    decoder = try Codec(decoding: stream, path: path)
    inputRate = Int(parameters.sample_rate)
    let rate = AudioEncoder.rate(inputRate, for: name)
    let start = stream.pointee.start_time == FF.noPTS ? 0 : stream.pointee.start_time
    encoder = try AudioEncoder(
      output: output, encoder: name, sampleRate: rate,
      channels: max(1, Int(parameters.ch_layout.nb_channels)),
      startTime: max(0, Double(start) * av_q2d(stream.pointee.time_base)))
    resampler = LinearResampler(from: inputRate, to: rate, channels: encoder.channels)
    timeBase = stream.pointee.time_base
    frame = try Frame(path: path)
    self.path = path
  }

  /// Decodes `packet` and encodes its samples; samples before `start` or at or after `end`
  /// seconds (from the stream start) are dropped, so the output begins with the sample at
  /// `start`. Undecodable packets are skipped.
  func decode(_ packet: UnsafeMutablePointer<AVPacket>?, from start: Double?, until end: Double?)
    throws
  {
    _ = try? decoder.send(packet: packet)
    while (try? decoder.receive(frame: frame)) == .ready {
      var samples = planarFloats(frame.pointer)
      let frameStart = Double(frame.pointer.pointee.pts) * av_q2d(timeBase)
      let count = samples[0].count
      let first = start.map { sampleOffset($0 - frameStart, within: count) } ?? 0
      let last = end.map { sampleOffset($0 - frameStart, within: count) } ?? count
      if first > 0 || last < count {
        samples = samples.map { Array($0[first..<max(first, last)]) }
      }
      if !samples[0].isEmpty { try encoder.append(resampler.resample(samples)) }
    }
  }

  /// Drains the decoder and the encoder.
  func finish(from start: Double?, until end: Double?) throws {
    try decode(nil, from: start, until: end)
    try encoder.finish()
  }

  /// The sample `seconds` into a frame of `count` samples, clamped to 0...count.
  private func sampleOffset(_ seconds: Double, within count: Int) -> Int {
    max(0, min(count, Int((seconds * Double(inputRate)).rounded())))
  }

  /// The frame's samples as one Float array per channel (-1...1), whatever the sample format.
  private func planarFloats(_ frame: UnsafeMutablePointer<AVFrame>) -> [[Float]] {
    let count = Int(frame.pointee.nb_samples)
    let channels = encoder.channels
    let format = AVSampleFormat(rawValue: frame.pointee.format)
    let planar = av_sample_fmt_is_planar(format) != 0
    let packed = av_get_packed_sample_fmt(format)
    let planes = frame.pointee.extended_data!
    return (0..<channels).map { channel in
      let plane = planes[planar ? channel : 0]!
      return (0..<count).map { i in
        let index = planar ? i : i * channels + channel
        switch packed {
        case AV_SAMPLE_FMT_FLT:
          return plane.withMemoryRebound(to: Float.self, capacity: index + 1) { $0[index] }
        case AV_SAMPLE_FMT_DBL:
          return Float(plane.withMemoryRebound(to: Double.self, capacity: index + 1) { $0[index] })
        case AV_SAMPLE_FMT_S16:
          return Float(plane.withMemoryRebound(to: Int16.self, capacity: index + 1) { $0[index] })
            / 32768
        case AV_SAMPLE_FMT_S32:
          return Float(plane.withMemoryRebound(to: Int32.self, capacity: index + 1) { $0[index] })
            / 2_147_483_648
        default: return (Float(plane[index]) - 128) / 128  // U8
        }
      }
    }
  }
}

/// Streaming linear-interpolation resampler; keeps the last input sample across chunks.
struct LinearResampler {
  private let step: Double  // input samples per output sample
  private var position = 0.0  // next output's position, relative to `last`
  private var last: [Float]?

  init(from inputRate: Int, to outputRate: Int, channels: Int) {
    step = Double(inputRate) / Double(outputRate)
  }

  /// Resamples one chunk; output for positions beyond the chunk waits for the next one.
  mutating func resample(_ chunk: [[Float]]) -> [[Float]] {
    if step == 1 { return chunk }
    // signal = [last] + chunk; position 0 is `last` (or the chunk's first sample at the start)
    let signal = zip(chunk.indices, chunk).map { channel, samples in
      (last.map { [$0[channel]] } ?? []) + samples
    }
    var output = Array(repeating: [Float](), count: chunk.count)
    while position + 1 < Double(signal[0].count) {
      let i = Int(position), fraction = Float(position - Double(i))
      for channel in signal.indices {
        output[channel].append(
          signal[channel][i] * (1 - fraction) + signal[channel][i + 1] * fraction)
      }
      position += step
    }
    position -= Double(signal[0].count - 1)
    last = signal.map { $0[$0.count - 1] }
    return output
  }
}
