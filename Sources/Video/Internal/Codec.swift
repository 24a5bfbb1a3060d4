import CFFmpeg

/// What a send/receive call produced; `again` and `end` are ordinary outcomes, not errors.
enum CodecStep { case ready, again, end }

/// Owns an opened `AVCodecContext` (decoder or encoder) and its send/receive loop.
final class Codec {
  let context: UnsafeMutablePointer<AVCodecContext>
  private let path: String

  /// Opens a decoder for `stream` (single-threaded: the engine needs the cores).
  init(decoding stream: UnsafeMutablePointer<AVStream>, path: String) throws {
    let parameters = stream.pointee.codecpar!
    guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
      throw VideoError(
        function: "avcodec_find_decoder", path: path, code: cff_averror_decoder_not_found())
    }
    context = try Codec.allocate(codec, path)
    self.path = path
    try check(
      avcodec_parameters_to_context(context, parameters), "avcodec_parameters_to_context", path)
    context.pointee.pkt_timebase = stream.pointee.time_base
    context.pointee.thread_count = 1
    try check(avcodec_open2(context, codec, nil), "avcodec_open2", path)
  }

  /// Opens the encoder called `name`; `configure` sets size, formats and time base before opening.
  init(
    encoder name: String, path: String, options: [String: String] = [:],
    configure: (UnsafeMutablePointer<AVCodecContext>) -> Void
  ) throws {
    guard let codec = avcodec_find_encoder_by_name(name) else {
      throw VideoError(
        function: "avcodec_find_encoder_by_name", path: path, code: cff_averror(EINVAL),
        message: "no encoder named '\(name)' in this FFmpeg build")
    }
    context = try Codec.allocate(codec, path)
    self.path = path
    context.pointee.thread_count = 1
    configure(context)
    var dictionary: OpaquePointer? = nil
    defer { av_dict_free(&dictionary) }
    for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
    try check(avcodec_open2(context, codec, &dictionary), "avcodec_open2", path)
  }

  private static func allocate(_ codec: UnsafePointer<AVCodec>, _ path: String) throws
    -> UnsafeMutablePointer<AVCodecContext>
  {
    try allocated(avcodec_alloc_context3(codec), by: "avcodec_alloc_context3", for: path)
  }

  deinit {
    var context: UnsafeMutablePointer<AVCodecContext>? = context
    avcodec_free_context(&context)
  }

  /// Sends a packet to a decoder (`nil` starts draining); `.again` means receive first.
  func send(packet: UnsafeMutablePointer<AVPacket>?) throws -> CodecStep {
    try step(avcodec_send_packet(context, packet), "avcodec_send_packet")
  }

  /// Receives the next decoded frame into `frame` (unreferenced first).
  func receive(frame: Frame) throws -> CodecStep {
    av_frame_unref(frame.pointer)
    return try step(avcodec_receive_frame(context, frame.pointer), "avcodec_receive_frame")
  }

  /// Sends a frame to an encoder (`nil` starts draining).
  func send(frame: UnsafeMutablePointer<AVFrame>?) throws -> CodecStep {
    try step(avcodec_send_frame(context, frame), "avcodec_send_frame")
  }

  /// Receives the next encoded packet into `packet` (unreferenced first).
  func receive(packet: Packet) throws -> CodecStep {
    av_packet_unref(packet.pointer)
    return try step(avcodec_receive_packet(context, packet.pointer), "avcodec_receive_packet")
  }

  private func step(_ result: Int32, _ function: String) throws -> CodecStep {
    if result == FF.again { return .again }
    if result == FF.eof { return .end }
    try check(result, function, path)
    return .ready
  }
}
