import CFFmpeg

/// Owns one `AVPacket`; reused across a demux loop (`av_packet_unref` after each use).
final class Packet {
  let pointer: UnsafeMutablePointer<AVPacket>

  init() throws {
    guard let packet = av_packet_alloc() else {
      throw VideoError(function: "av_packet_alloc", path: "", code: FF.outOfMemory)
    }
    pointer = packet
  }

  /// Takes a new reference to `source`'s data (for packets queued before the header is written).
  convenience init(referencing source: UnsafePointer<AVPacket>) throws {
    try self.init()
    try check(av_packet_ref(pointer, source), "av_packet_ref", "")
  }

  deinit {
    var packet: UnsafeMutablePointer<AVPacket>? = pointer
    av_packet_free(&packet)
  }
}

/// Owns one `AVFrame`; reused across a decode loop (`av_frame_unref` before each refill).
final class Frame {
  let pointer: UnsafeMutablePointer<AVFrame>

  init() throws {
    guard let frame = av_frame_alloc() else {
      throw VideoError(function: "av_frame_alloc", path: "", code: FF.outOfMemory)
    }
    pointer = frame
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
    try check(av_frame_get_buffer(pointer, 0), "av_frame_get_buffer", "")
  }
}

/// Owns a swscale context; converts whole frames between sizes and pixel formats.
final class Scaler {
  private var context: OpaquePointer?

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
      throw VideoError(function: "sws_getCachedContext", path: "", code: cff_averror(EINVAL))
    }
    try destination.allocate(width: width, height: height, format: format)
    try check(sws_scale_frame(context, destination.pointer, source), "sws_scale_frame", "")
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
