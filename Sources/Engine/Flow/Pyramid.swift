import Foundation

/// A single-channel float image, (H, W) row-major; the working type of the flow solver.
struct Plane {
  var width: Int
  var height: Int
  var values: [Float]

  init(width: Int, height: Int, values: [Float]) {
    precondition(
      values.count == width * height, "Plane \(width)x\(height) needs \(width * height) values")
    self.width = width
    self.height = height
    self.values = values
  }

  init(width: Int, height: Int, repeating value: Float = 0) {
    self.init(
      width: width, height: height, values: [Float](repeating: value, count: width * height))
  }

  /// Luma of an image: (1, H, W) as is, (3, H, W) RGB weighted 0.299, 0.587, 0.114 (BT.601).
  init(luma image: Tensor) {
    precondition(image.shape.count == 3, "Expected a (C, H, W) image, got shape \(image.shape)")
    let (channels, height, width) = (image.shape[0], image.shape[1], image.shape[2])
    precondition(channels == 1 || channels == 3, "Expected 1 or 3 channels, got \(channels)")
    let n = height * width
    if channels == 1 {
      self.init(width: width, height: height, values: image.scalars)
    } else {
      let s = image.scalars
      self.init(
        width: width, height: height,
        values: (0..<n).map { 0.299 * s[$0] + 0.587 * s[n + $0] + 0.114 * s[2 * n + $0] })
    }
  }
}

/// Separable Gaussian blur with clamped borders; radius ceil(3 sigma).
// input (H, W); output (H, W)
func gaussianBlur(_ plane: Plane, sigma: Float) -> Plane {
  let radius = max(1, Int((3 * sigma).rounded(.up)))
  var kernel = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
  let total = kernel.reduce(0, +)
  kernel = kernel.map { $0 / total }
  let (w, h) = (plane.width, plane.height)
  var horizontal = [Float](repeating: 0, count: w * h)
  var output = Plane(width: w, height: h)
  plane.values.withUnsafeBufferPointer { input in
    horizontal.withUnsafeMutableBufferPointer { out in
      parallelChunks(0..<h, minimumChunk: 16) { rows in
        for y in rows {
          for x in 0..<w {
            var sum: Float = 0
            for k in -radius...radius {
              sum += kernel[k + radius] * input[y * w + min(max(x + k, 0), w - 1)]
            }
            out[y * w + x] = sum
          }
        }
      }
    }
  }
  horizontal.withUnsafeBufferPointer { input in
    output.values.withUnsafeMutableBufferPointer { out in
      parallelChunks(0..<h, minimumChunk: 16) { rows in
        for y in rows {
          for x in 0..<w { out[y * w + x] = 0 }
          for k in -radius...radius {
            let row = min(max(y + k, 0), h - 1) * w
            let weight = kernel[k + radius]
            for x in 0..<w { out[y * w + x] += weight * input[row + x] }
          }
        }
      }
    }
  }
  return output
}

/// Bilinear resampling to a new size, aligning pixel centres: x' = (x + 0.5) * W / W' - 0.5.
// input (H, W); output (newHeight, newWidth)
func resized(_ plane: Plane, width newWidth: Int, height newHeight: Int) -> Plane {
  let scaleX = Float(plane.width) / Float(newWidth)
  let scaleY = Float(plane.height) / Float(newHeight)
  var output = Plane(width: newWidth, height: newHeight)
  plane.values.withUnsafeBufferPointer { input in
    output.values.withUnsafeMutableBufferPointer { out in
      parallelChunks(0..<newHeight, minimumChunk: 8) { rows in
        for y in rows {
          let sy = (Float(y) + 0.5) * scaleY - 0.5
          for x in 0..<newWidth {
            let sx = (Float(x) + 0.5) * scaleX - 0.5
            out[y * newWidth + x] = bilinear(input, plane.width, plane.height, sx, sy)
          }
        }
      }
    }
  }
  return output
}

/// Bilinear sample at (x, y) with coordinates clamped to the frame.
@inline(__always)
func bilinear(_ values: UnsafeBufferPointer<Float>, _ w: Int, _ h: Int, _ x: Float, _ y: Float)
  -> Float
{
  let cx = min(max(x, 0), Float(w - 1))
  let cy = min(max(y, 0), Float(h - 1))
  let x0 = min(Int(cx), max(w - 2, 0))
  let y0 = min(Int(cy), max(h - 2, 0))
  let x1 = min(x0 + 1, w - 1)
  let y1 = min(y0 + 1, h - 1)
  let fx = cx - Float(x0)
  let fy = cy - Float(y0)
  let top = values[y0 * w + x0] + fx * (values[y0 * w + x1] - values[y0 * w + x0])
  let bottom = values[y1 * w + x0] + fx * (values[y1 * w + x1] - values[y1 * w + x0])
  return top + fy * (bottom - top)
}

/// Cubic convolution weights for the four taps around a fractional offset t (Keys 1981, a = -0.5).
@inline(__always)
func cubicWeights(_ t: Float) -> (Float, Float, Float, Float) {
  let t2 = t * t
  let t3 = t2 * t
  return (
    -0.5 * t3 + t2 - 0.5 * t,
    1.5 * t3 - 2.5 * t2 + 1,
    -1.5 * t3 + 2 * t2 + 0.5 * t,
    0.5 * t3 - 0.5 * t2
  )
}

/// Central-difference gradient, one-sided at the borders.
// input (H, W); outputs dx, dy (H, W)
func centralGradient(_ plane: Plane) -> (dx: Plane, dy: Plane) {
  let (w, h) = (plane.width, plane.height)
  var dx = Plane(width: w, height: h)
  var dy = Plane(width: w, height: h)
  plane.values.withUnsafeBufferPointer { p in
    dx.values.withUnsafeMutableBufferPointer { gx in
      dy.values.withUnsafeMutableBufferPointer { gy in
        parallelChunks(0..<h, minimumChunk: 16) { rows in
          for y in rows {
            let up = max(y - 1, 0)
            let down = min(y + 1, h - 1)
            let rowScale: Float = down - up == 2 ? 0.5 : 1
            for x in 0..<w {
              let left = max(x - 1, 0)
              let right = min(x + 1, w - 1)
              let columnScale: Float = right - left == 2 ? 0.5 : 1
              gx[y * w + x] = columnScale * (p[y * w + right] - p[y * w + left])
              gy[y * w + x] = rowScale * (p[down * w + x] - p[up * w + x])
            }
          }
        }
      }
    }
  }
  return (dx, dy)
}

/// Median over a (2r+1)^2 window, clamped at the borders (Wedel et al. 2009 filter the flow so).
// input (H, W); output (H, W)
func medianFiltered(_ plane: Plane, radius: Int) -> Plane {
  let (w, h) = (plane.width, plane.height)
  let side = 2 * radius + 1
  var output = Plane(width: w, height: h)
  plane.values.withUnsafeBufferPointer { input in
    output.values.withUnsafeMutableBufferPointer { out in
      parallelChunks(0..<h, minimumChunk: 16) { rows in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: side * side) { window in
          for y in rows {
            for x in 0..<w {
              if radius == 1 {
                out[y * w + x] = median3x3(input, w, h, x, y)
                continue
              }
              var count = 0
              for dy in -radius...radius {
                let row = min(max(y + dy, 0), h - 1) * w
                for dx in -radius...radius {
                  // Insertion sort while gathering: windows are small.
                  let value = input[row + min(max(x + dx, 0), w - 1)]
                  var slot = count
                  while slot > 0 && window[slot - 1] > value {
                    window[slot] = window[slot - 1]
                    slot -= 1
                  }
                  window[slot] = value
                  count += 1
                }
              }
              out[y * w + x] = window[count / 2]
            }
          }
        }
      }
    }
  }
  return output
}

/// The median of three values.
@inline(__always)
private func median3(_ a: Float, _ b: Float, _ c: Float) -> Float {
  max(min(a, b), min(max(a, b), c))
}

/// The median of the 3x3 window at (x, y): with each row sorted, it is the median of the
/// largest row minimum, the median of the row medians and the smallest row maximum.
@inline(__always)
private func median3x3(_ p: UnsafeBufferPointer<Float>, _ w: Int, _ h: Int, _ x: Int, _ y: Int)
  -> Float
{
  let (left, right) = (max(x - 1, 0), min(x + 1, w - 1))
  var (largestMinimum, smallestMaximum) = (-Float.infinity, Float.infinity)
  var medians: (Float, Float, Float) = (0, 0, 0)
  for k in 0..<3 {
    let row = min(max(y - 1 + k, 0), h - 1) * w
    let (a, b, c) = (p[row + left], p[row + x], p[row + right])
    largestMinimum = max(largestMinimum, min(a, b, c))
    smallestMaximum = min(smallestMaximum, max(a, b, c))
    let m = median3(a, b, c)
    switch k {
    case 0: medians.0 = m
    case 1: medians.1 = m
    default: medians.2 = m
    }
  }
  return median3(largestMinimum, median3(medians.0, medians.1, medians.2), smallestMaximum)
}
