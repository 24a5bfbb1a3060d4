import CFFmpeg

/// One audio stream written from Float samples: buffers them into the encoder's frame size.
///
/// Samples arrive planar (`samples[channel][i]`, in -1...1) at `sampleRate`, which must be a
/// rate the encoder accepts (see `AudioEncoder.rate(_:for:)`).
final class AudioEncoder {
  private let output: OutputFile
  private let codec: Codec
  private let stream: UnsafeMutablePointer<AVStream>
  private let frame: Frame
  private let packet: Packet
  private let frameSize: Int
  private var buffered: [[Float]]
  private var nextPTS: Int64
  let sampleRate: Int
  let channels: Int

  /// Creates the encoder (`aac`, `libopus`, ...) and its stream; `startTime` is in seconds.
  init(
    output: OutputFile, encoder name: String, sampleRate: Int, channels: Int, startTime: Double = 0
  ) throws {
    guard let found = avcodec_find_encoder_by_name(name) else {
      throw VideoError(
        function: "avcodec_find_encoder_by_name", path: output.path, code: cff_averror(EINVAL),
        message: "no encoder named '\(name)' in this FFmpeg build")
    }
    let format = AudioEncoder.sampleFormat(for: found)
    let globalHeader = output.needsGlobalHeader
    codec = try Codec(encoder: name, path: output.path) { context in
      context.pointee.sample_rate = Int32(sampleRate)
      context.pointee.sample_fmt = format
      av_channel_layout_default(&context.pointee.ch_layout, Int32(channels))
      context.pointee.time_base = AVRational(num: 1, den: Int32(sampleRate))
      context.pointee.bit_rate = Int64(96_000 * min(channels, 2))
      if globalHeader { context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
    }
    stream = try output.addStream()
    try check(
      avcodec_parameters_from_context(stream.pointee.codecpar, codec.context),
      "avcodec_parameters_from_context", output.path)
    stream.pointee.time_base = codec.context.pointee.time_base
    self.output = output
    self.sampleRate = sampleRate
    self.channels = channels
    frameSize = codec.context.pointee.frame_size > 0 ? Int(codec.context.pointee.frame_size) : 1024
    buffered = Array(repeating: [], count: channels)
    nextPTS = Int64((startTime * Double(sampleRate)).rounded())
    frame = try Frame(path: output.path)
    packet = try Packet(path: output.path)
  }

  /// The encoder's rate closest to what we have: `rate` itself if allowed, else 48 kHz, else its first.
  static func rate(_ rate: Int, for name: String) -> Int {
    guard let codec = avcodec_find_encoder_by_name(name),
      let rates = codec.pointee.supported_samplerates
    else { return rate }
    var allowed: [Int] = []
    var index = 0
    while rates[index] != 0 { allowed.append(Int(rates[index])); index += 1 }
    return allowed.contains(rate) ? rate : allowed.contains(48_000) ? 48_000 : allowed.first ?? rate
  }

  /// Float planar if the encoder takes it, else float interleaved, else 16-bit interleaved.
  private static func sampleFormat(for codec: UnsafePointer<AVCodec>) -> AVSampleFormat {
    var supported: [AVSampleFormat] = []
    if let formats = codec.pointee.sample_fmts {
      var index = 0
      while formats[index] != AV_SAMPLE_FMT_NONE { supported.append(formats[index]); index += 1 }
    }
    for preferred in [AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_S16]
    where supported.contains(preferred) {
      return preferred
    }
    return supported.first ?? AV_SAMPLE_FMT_FLTP
  }

  /// Appends samples and encodes every full frame.
  func append(_ samples: [[Float]]) throws {
    for channel in 0..<channels { buffered[channel] += samples[min(channel, samples.count - 1)] }
    while buffered[0].count >= frameSize { try encodeFrame(count: frameSize) }
  }

  /// Encodes what is left (padded with silence if the encoder needs whole frames) and flushes.
  func finish() throws {
    if !buffered[0].isEmpty {
      let smallLast =
        codec.context.pointee.codec.pointee.capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME != 0
      let count = smallLast ? buffered[0].count : frameSize
      for channel in 0..<channels {
        buffered[channel] += [Float](repeating: 0, count: count - buffered[channel].count)
      }
      try encodeFrame(count: count)
    }
    _ = try codec.send(frame: nil)
    try drain()
  }

  private func encodeFrame(count: Int) throws {
    let context = codec.context
    av_frame_unref(frame.pointer)
    frame.pointer.pointee.nb_samples = Int32(count)
    frame.pointer.pointee.format = context.pointee.sample_fmt.rawValue
    frame.pointer.pointee.sample_rate = context.pointee.sample_rate
    try check(
      av_channel_layout_copy(&frame.pointer.pointee.ch_layout, &context.pointee.ch_layout),
      "av_channel_layout_copy", output.path)
    try check(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer", output.path)
    writeSamples(count: count, format: context.pointee.sample_fmt)
    for channel in 0..<channels { buffered[channel].removeFirst(count) }
    frame.pointer.pointee.pts = nextPTS
    nextPTS += Int64(count)
    _ = try codec.send(frame: frame.pointer)
    try drain()
  }

  /// Copies the first `count` buffered samples into `frame` in the encoder's sample format.
  private func writeSamples(count: Int, format: AVSampleFormat) {
    let planes = frame.pointer.pointee.extended_data!
    for channel in 0..<channels {
      let source = buffered[channel]
      for i in 0..<count {
        let value = max(-1, min(1, source[i]))
        switch format {
        case AV_SAMPLE_FMT_FLTP:
          planes[channel]!.withMemoryRebound(to: Float.self, capacity: count) { $0[i] = value }
        case AV_SAMPLE_FMT_FLT:
          planes[0]!.withMemoryRebound(to: Float.self, capacity: count * channels) {
            $0[i * channels + channel] = value
          }
        default:  // S16 interleaved
          planes[0]!.withMemoryRebound(to: Int16.self, capacity: count * channels) {
            $0[i * channels + channel] = Int16(value * 32767)
          }
        }
      }
    }
  }

  private func drain() throws {
    while try codec.receive(packet: packet) == .ready {
      packet.pointer.pointee.stream_index = stream.pointee.index
      try output.write(packet.pointer, timeBase: codec.context.pointee.time_base)
    }
  }
}
