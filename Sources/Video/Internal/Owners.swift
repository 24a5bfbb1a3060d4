import CFFmpeg

/// `pointer`, or the out-of-memory error of `function` when it is `nil` (FFmpeg's allocators
/// return NULL only when memory runs out).
func allocated<Pointee>(
  _ pointer: UnsafeMutablePointer<Pointee>?, by function: String, for path: String
) throws -> UnsafeMutablePointer<Pointee> {
  guard let pointer else { throw VideoError(function: function, path: path, code: FF.outOfMemory) }
  return pointer
}

/// Owns one `AVPacket`; reused across a demux loop (`av_packet_unref` after each use).
final class Packet {
  let pointer: UnsafeMutablePointer<AVPacket>
  /// The file the packet is read from or written to, named by its errors.
  let path: String

  init(path: String) throws {
    pointer = try allocated(av_packet_alloc(), by: "av_packet_alloc", for: path)
    self.path = path
  }

  /// Takes a new reference to `source`'s data (for packets queued before the header is written).
  convenience init(referencing source: UnsafePointer<AVPacket>, path: String) throws {
    try self.init(path: path)
    try check(av_packet_ref(pointer, source), "av_packet_ref", path)
  }

  deinit {
    var packet: UnsafeMutablePointer<AVPacket>? = pointer
    av_packet_free(&packet)
  }
}

/// Owns one `AVFrame`; reused across a decode loop (`av_frame_unref` before each refill).
final class Frame {
  let pointer: UnsafeMutablePointer<AVFrame>
  /// The file the frame is decoded from or encoded to, named by its errors.
  let path: String

  init(path: String) throws {
    pointer = try allocated(av_frame_alloc(), by: "av_frame_alloc", for: path)
    self.path = path
  }

  deinit {
    var frame: UnsafeMutablePointer<AVFrame>? = pointer
    av_frame_free(&frame)
  }

  /// Allocates fresh buffers for a picture of the given shape (old contents are released).
  func allocate(width: Int, height: Int, format: AVPixelFormat) throws {
    av_frame_unref(pointer)
    pointer.pointee.width = Int32(width)
    pointer.pointee.height = Int32(height)
    pointer.pointee.format = format.rawValue
    try check(av_frame_get_buffer(pointer, 0), "av_frame_get_buffer", path)
  }
}

/// Owns a swscale context; converts whole frames between sizes and pixel formats.
final class Scaler {
  private var context: OpaquePointer?
  /// The file whose frames are converted, named by its errors.
  let path: String

  init(path: String) { self.path = path }

  deinit { sws_freeContext(context) }

  /// Scales `source` into `destination`, which is (re)allocated as `width`x`height` `format`.
  func scale(
    _ source: UnsafeMutablePointer<AVFrame>, into destination: Frame,
    width: Int, height: Int, format: AVPixelFormat
  ) throws {
    let flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT
    context = sws_getCachedContext(
      context, source.pointee.width, source.pointee.height,
      AVPixelFormat(rawValue: source.pointee.format), Int32(width), Int32(height), format,
      flags, nil, nil, nil)
    guard let context else {
      throw VideoError(function: "sws_getCachedContext", path: path, code: cff_averror(EINVAL))
    }
    try destination.allocate(width: width, height: height, format: format)
    try check(sws_scale_frame(context, destination.pointer, source), "sws_scale_frame", path)
  }
}

extension VideoFrame {
  /// Copies a packed RGB24 `AVFrame` (rows may be padded) into a frame with no padding.
  init(rgb24 frame: UnsafeMutablePointer<AVFrame>, time: Double) {
    let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
    let stride = Int(frame.pointee.linesize.0), rowBytes = width * 3
    var bytes = [UInt8](repeating: 0, count: rowBytes * height)
    if let source = frame.pointee.data.0 {
      bytes.withUnsafeMutableBufferPointer { target in
        for y in 0..<height {
          (target.baseAddress! + y * rowBytes).update(from: source + y * stride, count: rowBytes)
        }
      }
    }
    self.init(width: width, height: height, rgb: bytes, time: time)
  }

  /// Copies the pixels into `frame`, (re)allocated as RGB24 of this frame's size.
  func copy(into frame: Frame) throws {
    try frame.allocate(width: width, height: height, format: AV_PIX_FMT_RGB24)
    let stride = Int(frame.pointer.pointee.linesize.0), rowBytes = width * 3
    guard let target = frame.pointer.pointee.data.0 else { return }
    rgb.withUnsafeBufferPointer { source in
      for y in 0..<height {
        (target + y * stride).update(from: source.baseAddress! + y * rowBytes, count: rowBytes)
      }
    }
  }
}
