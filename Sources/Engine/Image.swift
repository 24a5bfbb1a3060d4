/// An RGB image held as planar floats, the form the engine computes on.
///
/// `pixels` is (3, H, W), channels R, G, B, values on the 0-255 scale. They are not clamped:
/// an optimised image may leave the range, and only `rgbBytes()` rounds and clamps.
public struct Image: Sendable, Equatable {
  /// The pixels, (3, H, W) planar RGB on the 0-255 scale.
  public var pixels: Tensor

  /// The number of columns.
  public var width: Int { pixels.shape[2] }
  /// The number of rows.
  public var height: Int { pixels.shape[1] }

  /// Creates an image from planar RGB pixels (3, H, W) on the 0-255 scale.
  init(pixels: Tensor) {
    precondition(
      pixels.shape.count == 3 && pixels.shape[0] == 3,
      "Image pixels must be (3, H, W), got \(pixels.shape)")
    self.pixels = pixels
  }

  /// Creates an image from packed RGB24 bytes (R, G, B per pixel, rows top to bottom).
  public init(width: Int, height: Int, rgb: [UInt8]) {
    precondition(
      rgb.count == width * height * 3,
      "RGB24 image \(width)x\(height) needs \(width * height * 3) bytes, got \(rgb.count)")
    // rgb (H, W, 3) packed → pixels (3, H, W) planar
    let plane = width * height
    var scalars = [Float](repeating: 0, count: 3 * plane)
    for p in 0..<plane {
      scalars[p] = Float(rgb[3 * p])
      scalars[plane + p] = Float(rgb[3 * p + 1])
      scalars[2 * plane + p] = Float(rgb[3 * p + 2])
    }
    self.init(pixels: Tensor(shape: [3, height, width], scalars: scalars))
  }

  /// The image as packed RGB24 bytes: each value rounded to the nearest integer, clamped to 0...255.
  public func rgbBytes() -> [UInt8] {
    // pixels (3, H, W) planar → rgb (H, W, 3) packed
    let plane = width * height
    var rgb = [UInt8](repeating: 0, count: 3 * plane)
    for c in 0..<3 {
      for p in 0..<plane {
        let value = pixels.scalars[c * plane + p].rounded()
        rgb[3 * p + c] = value.isNaN ? 0 : UInt8(min(255, max(0, value)))
      }
    }
    return rgb
  }
}

// MARK: - VGG preprocessing

extension Image {
  /// The Caffe VGG mean pixel in BGR order (Simonyan & Zisserman 2014, released Caffe weights).
  static let meanBGR: [Float] = [103.939, 116.779, 123.68]

  /// The network input for this image: (3, H, W) in BGR order, 0-255 scale, minus the mean pixel.
  ///
  /// The map is `pre[c] = pixels[2 - c] - meanBGR[c]`: a channel swap plus a constant shift, so its
  /// Jacobian is a permutation. A gradient with respect to the preprocessed tensor becomes the
  /// gradient with respect to `pixels` by swapping channels back (`rgbGradient(fromPreprocessed:)`).
  func preprocessed() -> Tensor {
    let plane = width * height
    var scalars = [Float](repeating: 0, count: 3 * plane)
    for c in 0..<3 {
      let source = (2 - c) * plane
      for p in 0..<plane { scalars[c * plane + p] = pixels.scalars[source + p] - Self.meanBGR[c] }
    }
    return Tensor(shape: pixels.shape, scalars: scalars)
  }

  /// The image a preprocessed tensor (3, H, W) stands for: the exact inverse of `preprocessed()`.
  ///
  /// Values are not clamped here; `rgbBytes()` clamps when the image is written out.
  init(deprocessing tensor: Tensor) {
    precondition(
      tensor.shape.count == 3 && tensor.shape[0] == 3,
      "A preprocessed image must be (3, H, W), got \(tensor.shape)")
    let plane = tensor.shape[1] * tensor.shape[2]
    var scalars = [Float](repeating: 0, count: 3 * plane)
    for c in 0..<3 {
      let source = (2 - c) * plane
      for p in 0..<plane {
        scalars[c * plane + p] = tensor.scalars[source + p] + Self.meanBGR[2 - c]
      }
    }
    self.init(pixels: Tensor(shape: tensor.shape, scalars: scalars))
  }

  /// Pulls a gradient with respect to the preprocessed tensor back to the RGB pixels.
  ///
  /// d pixels[c] = d pre[2 - c]: the mean shift has derivative 1, so only the channels swap.
  static func rgbGradient(fromPreprocessed gradient: Tensor) -> Tensor {
    precondition(gradient.shape.count == 3 && gradient.shape[0] == 3, "gradient must be (3, H, W)")
    let plane = gradient.shape[1] * gradient.shape[2]
    var scalars = [Float](repeating: 0, count: 3 * plane)
    for c in 0..<3 {
      let source = (2 - c) * plane
      for p in 0..<plane { scalars[c * plane + p] = gradient.scalars[source + p] }
    }
    return Tensor(shape: gradient.shape, scalars: scalars)
  }
}

// MARK: - Resizing

extension Image {
  /// The image resampled to `width` x `height`.
  ///
  /// Each axis on its own: an axis that shrinks is area-averaged (each output pixel is the mean
  /// of the input it covers, fractional pixels weighted by coverage, like OpenCV's INTER_AREA), so
  /// downscaling does not alias; an axis that grows (or keeps its size) is interpolated linearly
  /// with pixel centres at +0.5, edges clamped. Equal sizes give the image back unchanged.
  public func resized(width newWidth: Int, height newHeight: Int) -> Image {
    precondition(newWidth > 0 && newHeight > 0, "cannot resize to \(newWidth)x\(newHeight)")
    let rows = resamplingTaps(from: height, to: newHeight)
    let columns = resamplingTaps(from: width, to: newWidth)
    // pixels (3, H, W) → horizontal pass (3, H, W') → vertical pass (3, H', W')
    var wide = [Float](repeating: 0, count: 3 * height * newWidth)
    for c in 0..<3 {
      for y in 0..<height {
        let input = (c * height + y) * width
        let output = (c * height + y) * newWidth
        for x in 0..<newWidth {
          var sum: Float = 0
          for tap in columns[x] { sum += tap.weight * pixels.scalars[input + tap.index] }
          wide[output + x] = sum
        }
      }
    }
    var scalars = [Float](repeating: 0, count: 3 * newHeight * newWidth)
    for c in 0..<3 {
      for y in 0..<newHeight {
        let output = (c * newHeight + y) * newWidth
        for tap in rows[y] {
          let input = (c * height + tap.index) * newWidth
          for x in 0..<newWidth { scalars[output + x] += tap.weight * wide[input + x] }
        }
      }
    }
    return Image(pixels: Tensor(shape: [3, newHeight, newWidth], scalars: scalars))
  }

  /// The image resized, aspect ratio kept, so its long side is `longSide` pixels.
  func resized(longSide: Int) -> Image {
    let factor = Double(longSide) / Double(max(width, height))
    return resized(
      width: max(1, Int((Double(width) * factor).rounded())),
      height: max(1, Int((Double(height) * factor).rounded())))
  }

  /// The image resized, aspect ratio kept, so its area is `scale^2` times the area of `content`.
  ///
  /// This is the style scale: a style image prepared this way shows its brush strokes at the same
  /// size relative to the content whatever the two images' original resolutions. Each side is
  /// at least 16 px (or the content's shorter side, if smaller), so that a style image of an
  /// extreme shape (2x3000) still reaches relu5_1 through VGG-19's four poolings.
  func resized(matchingAreaOf content: Image, scale: Double = 1) -> Image {
    let ratio = Double(content.width * content.height) / Double(width * height)
    let factor = scale * ratio.squareRoot()
    let least = min(16, content.width, content.height)
    return resized(
      width: max(least, Int((Double(width) * factor).rounded())),
      height: max(least, Int((Double(height) * factor).rounded())))
  }
}

/// One input sample and its weight in an output sample.
private struct ResamplingTap {
  var index: Int
  var weight: Float
}

/// The taps of every output sample when `inputCount` samples become `outputCount` (one axis).
private func resamplingTaps(from inputCount: Int, to outputCount: Int) -> [[ResamplingTap]] {
  let scale = Double(inputCount) / Double(outputCount)  // input samples per output sample
  return (0..<outputCount).map { output in
    if scale <= 1 {
      // Linear: output centre (o + 0.5) sits at input coordinate (o + 0.5) * scale - 0.5.
      let position = max(0, (Double(output) + 0.5) * scale - 0.5)
      let lower = min(Int(position), inputCount - 1)
      let upper = min(lower + 1, inputCount - 1)
      let fraction = Float(position - Double(lower))
      return [
        ResamplingTap(index: lower, weight: 1 - fraction),
        ResamplingTap(index: upper, weight: fraction),
      ]
    }
    // Area: output o covers input [o * scale, (o + 1) * scale); weight = overlap / scale.
    let start = Double(output) * scale
    let end = min(Double(inputCount), start + scale)
    var taps: [ResamplingTap] = []
    var index = Int(start)
    while Double(index) < end {
      let overlap = min(end, Double(index + 1)) - max(start, Double(index))
      if overlap > 1e-9 { taps.append(ResamplingTap(index: index, weight: Float(overlap / scale))) }
      index += 1
    }
    return taps
  }
}
