import CFFmpeg

/// Owns a muxer (`AVFormatContext` + its `AVIOContext`) writing one file.
///
/// Packets written before the header (while the video encoder does not exist yet) are queued.
final class OutputFile {
  let context: UnsafeMutablePointer<AVFormatContext>
  /// The file actually written (a temporary name; see `PartialOutput`).
  let path: String
  private var opened = false
  private var headerWritten = false
  private var queued: [(packet: Packet, timeBase: AVRational)] = []

  /// Creates a muxer for `path`; the container is guessed from the extension.
  init(path: String) throws {
    FFmpegLog.silence()
    // The muxer avformat_alloc_output_context2 would guess from the name, guessed here so that
    // an extension without one is reported by the call that finds none.
    guard let format = av_guess_format(nil, path, nil) else {
      throw VideoError(
        function: "av_guess_format", path: path, code: cff_averror(EINVAL),
        message: "no muxer for the extension '.\(fileExtension(path))'")
    }
    var created: UnsafeMutablePointer<AVFormatContext>? = nil
    try check(
      avformat_alloc_output_context2(&created, format, nil, path),
      "avformat_alloc_output_context2", path)
    context = try allocated(created, by: "avformat_alloc_output_context2", for: path)
    self.path = path
  }

  deinit {
    if opened { avio_closep(&context.pointee.pb) }
    avformat_free_context(context)
  }

  /// Whether encoders must put their headers in extradata (mp4, mkv, webm).
  var needsGlobalHeader: Bool { context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 }

  /// Whether the container can hold `codec` as is (`avformat_query_codec`).
  func accepts(_ codec: AVCodecID) -> Bool {
    avformat_query_codec(context.pointee.oformat, codec, FF_COMPLIANCE_NORMAL) == 1
  }

  /// Adds an empty stream.
  func addStream() throws -> UnsafeMutablePointer<AVStream> {
    try allocated(avformat_new_stream(context, nil), by: "avformat_new_stream", for: path)
  }

  /// Opens the file and writes the header (all streams must exist), then the queued packets.
  func writeHeader(options: [String: String] = [:]) throws {
    if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
      try check(avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE), "avio_open", path)
      opened = true
    }
    var dictionary: OpaquePointer? = nil
    defer { av_dict_free(&dictionary) }
    for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
    try check(avformat_write_header(context, &dictionary), "avformat_write_header", path)
    headerWritten = true
    for (packet, timeBase) in queued { try write(packet.pointer, timeBase: timeBase) }
    queued = []
  }

  /// Writes (or queues) a packet whose timestamps are in `timeBase`; its `stream_index` is set.
  func write(_ packet: UnsafeMutablePointer<AVPacket>, timeBase: AVRational) throws {
    guard headerWritten else {
      queued.append((try Packet(referencing: packet, path: path), timeBase))
      return
    }
    let stream = context.pointee.streams[Int(packet.pointee.stream_index)]!
    av_packet_rescale_ts(packet, timeBase, stream.pointee.time_base)
    packet.pointee.pos = -1
    try check(av_interleaved_write_frame(context, packet), "av_interleaved_write_frame", path)
  }

  /// Writes the trailer and closes the file.
  func finish() throws {
    if !headerWritten { try writeHeader() }
    try check(av_write_trailer(context), "av_write_trailer", path)
    if opened {
      try check(avio_closep(&context.pointee.pb), "avio_closep", path)
      opened = false
    }
  }
}
