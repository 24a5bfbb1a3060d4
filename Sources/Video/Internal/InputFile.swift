import CFFmpeg

/// Owns a demuxer (`AVFormatContext`) opened on a file, an image or a printf pattern.
final class InputFile {
  let context: UnsafeMutablePointer<AVFormatContext>
  let path: String

  /// Opens `path` and reads its stream facts; `format` forces a demuxer (e.g. `image2`).
  init(path: String, format: String? = nil, options: [String: String] = [:]) throws {
    FFmpegLog.silence()
    var dictionary: OpaquePointer? = nil
    defer { av_dict_free(&dictionary) }
    for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
    let inputFormat = format.flatMap { av_find_input_format($0) }
    var opened: UnsafeMutablePointer<AVFormatContext>? = nil
    try check(
      avformat_open_input(&opened, path, inputFormat, &dictionary), "avformat_open_input", path)
    context = try allocated(opened, by: "avformat_open_input", for: path)
    self.path = path
    try check(avformat_find_stream_info(context, nil), "avformat_find_stream_info", path)
  }

  deinit {
    var context: UnsafeMutablePointer<AVFormatContext>? = context
    avformat_close_input(&context)
  }

  /// The streams in container order.
  var streams: [UnsafeMutablePointer<AVStream>] {
    (0..<Int(context.pointee.nb_streams)).compactMap { context.pointee.streams[$0] }
  }

  /// The stream FFmpeg would pick as "the" video.
  func bestVideoStream() throws -> UnsafeMutablePointer<AVStream> {
    let index = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
    if index < 0 {
      throw VideoError(
        function: "av_find_best_stream", path: path, code: index, message: "no video stream")
    }
    return context.pointee.streams[Int(index)]!
  }

  /// Reads the next packet of any stream; `false` at the end of the file.
  func read(into packet: Packet) throws -> Bool {
    av_packet_unref(packet.pointer)
    let result = av_read_frame(context, packet.pointer)
    if result == FF.eof { return false }
    try check(result, "av_read_frame", path)
    return true
  }
}
