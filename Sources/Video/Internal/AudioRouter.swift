import CFFmpeg

/// Sends each input audio stream to the movie: copied, re-encoded, or dropped with a warning.
final class AudioRouter {
  private enum Route {
    case copy(outputIndex: Int32)
    case encode(AudioTranscoder)
  }

  private let source: MediaSource
  private let movie: MovieOutput
  private var routes: [Int32: Route] = [:]
  /// Streams that reached the preview's end (no more packets wanted).
  private var done: Set<Int32> = []
  /// Seconds from each stream's start: audio before `start` is dropped and the rest moved
  /// earlier by `start`; audio from `end` on is dropped.
  private var start: Double?
  private var end: Double?
  /// For previews and ranges: packets wait here until the cut times are known.
  private var held: [Packet]?
  private(set) var warnings: [String] = []

  /// `hold`: keep the audio until `finish(from:cutAt:)` tells where the first frame starts and
  /// the last one ends.
  init(source: MediaSource, movie: MovieOutput, hold: Bool) throws {
    self.source = source
    held = hold ? [] : nil
    self.movie = movie
    let container = fileExtension(movie.file.path)
    for stream in source.input.streams
    where stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO {
      let index = stream.pointee.index
      let codec = String(cString: avcodec_get_name(stream.pointee.codecpar.pointee.codec_id))
      if movie.file.accepts(stream.pointee.codecpar.pointee.codec_id) {
        routes[index] = .copy(outputIndex: try movie.addCopy(of: stream))
      } else if let encoder = movie.audioEncoderName,
        let transcoder = try? AudioTranscoder(
          stream: stream, output: movie.file, encoder: encoder, path: source.input.path)
      {
        routes[index] = .encode(transcoder)
        warnings.append(
          "audio stream \(index) (\(codec)) was re-encoded with \(encoder) for .\(container)")
      } else {
        warnings.append(
          "audio stream \(index) (\(codec)) was dropped: .\(container) cannot hold it")
      }
    }
    source.otherPacket = { [unowned self] packet in try self.route(packet) }
  }

  /// Sends the remaining audio (from `start` up to `end` seconds, if given) and flushes the
  /// encoders.
  func finish(from start: Double?, cutAt end: Double?) throws {
    self.start = start
    self.end = end
    let waiting = held ?? []
    held = nil
    for packet in waiting { try route(packet.pointer) }
    if end != nil {
      try source.readOtherPackets { [unowned self] in self.done.count < self.routes.count }
    }
    for case .encode(let transcoder) in routes.values {
      try transcoder.finish(from: start, until: end)
    }
  }

  private func route(_ packet: UnsafeMutablePointer<AVPacket>) throws {
    let index = packet.pointee.stream_index
    guard let route = routes[index], !done.contains(index) else { return }
    if held != nil {
      held?.append(try Packet(referencing: packet, path: source.input.path))
      return
    }
    let stream = source.input.context.pointee.streams[Int(index)]!
    let timeBase = stream.pointee.time_base
    if packet.pointee.pts != FF.noPTS {
      let streamStart = stream.pointee.start_time == FF.noPTS ? 0 : stream.pointee.start_time
      let time = Double(packet.pointee.pts - streamStart) * av_q2d(timeBase)
      if let end, time >= end {
        done.insert(index)
        return
      }
      // A copied packet cannot be cut: the one that straddles the start goes too.
      if case .copy = route, let start, time < start { return }
    }
    switch route {
    case .copy(let outputIndex):
      if let start {
        let shift = Int64((start / av_q2d(timeBase)).rounded())
        if packet.pointee.pts != FF.noPTS { packet.pointee.pts -= shift }
        if packet.pointee.dts != FF.noPTS { packet.pointee.dts -= shift }
      }
      packet.pointee.stream_index = outputIndex
      try movie.file.write(packet, timeBase: timeBase)
    case .encode(let transcoder):
      try transcoder.decode(packet, from: start, until: end)
    }
  }
}
