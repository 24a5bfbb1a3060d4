/// One decoded picture: packed RGB24 pixels and its presentation time.
public struct VideoFrame: Sendable, Equatable {
  /// Width in pixels.
  public var width: Int
  /// Height in pixels.
  public var height: Int
  /// Packed RGB, 3 bytes per pixel, rows top to bottom with no padding: `width * height * 3` bytes.
  public var rgb: [UInt8]
  /// Presentation time in seconds from the start of the stream.
  public var time: Double

  /// Creates a frame; `rgb` must hold exactly `width * height * 3` bytes.
  public init(width: Int, height: Int, rgb: [UInt8], time: Double = 0) {
    precondition(
      width > 0 && height > 0, "VideoFrame needs a positive size, got \(width)x\(height)")
    precondition(
      rgb.count == width * height * 3,
      "VideoFrame \(width)x\(height) needs \(width * height * 3) RGB bytes, got \(rgb.count)")
    self.width = width
    self.height = height
    self.rgb = rgb
    self.time = time
  }
}
