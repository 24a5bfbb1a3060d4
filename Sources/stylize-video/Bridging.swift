import Engine
import Video

// Video and Engine never import each other: the command line converts between their types.

extension Image {
  /// The frame's pixels as an engine image.
  init(_ frame: VideoFrame) { self.init(width: frame.width, height: frame.height, rgb: frame.rgb) }
}

extension VideoFrame {
  /// An engine image as a frame shown at `time` seconds.
  init(_ image: Image, time: Double) {
    self.init(width: image.width, height: image.height, rgb: image.rgbBytes(), time: time)
  }
}

/// Reads an image file (any format FFmpeg decodes) at its own size.
func readImage(_ path: String) throws -> Image {
  Image(try readFirstFrame(path, options: ReadOptions()))
}

/// Refuses a picture of `path` read at a size too small for the network: VGG-19 halves it four
/// times on the way to relu5_1, so both sides need 16 px (a 2x10000 picture at `--size 32` is
/// 1x32).
func requireNetworkSize(_ frame: VideoFrame, of path: String) throws {
  guard frame.width < 16 || frame.height < 16 else { return }
  throw CommandError(
    path: path,
    message: "'\(path)' is \(frame.width)x\(frame.height) at the processing size, too small for "
      + "the network, which needs 16 px a side; pass a larger --size.")
}

/// The first frame of an image or video, at the size `options` asks for.
func readFirstFrame(_ path: String, options: ReadOptions) throws -> VideoFrame {
  let reader = try VideoReader(path, options: options)
  guard let frame = try reader.nextFrame() else {
    throw CommandError.noPicture(path, warnings: reader.warnings)
  }
  return frame
}
