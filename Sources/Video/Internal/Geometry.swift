/// The size frames are scaled to and the rotation applied after scaling.
///
/// Order: decoded (coded size) → swscale to `scaledWidth`x`scaledHeight` (this also applies the
/// sample aspect ratio) → rotate by `rotation` → `outputWidth`x`outputHeight`.
struct Geometry: Equatable {
  let scaledWidth: Int
  let scaledHeight: Int
  let rotation: Int

  var quarterTurn: Bool { rotation == 90 || rotation == 270 }
  var outputWidth: Int { quarterTurn ? scaledHeight : scaledWidth }
  var outputHeight: Int { quarterTurn ? scaledWidth : scaledHeight }

  /// Fits the displayed picture to `longSide` (up or down) and/or under `pixelBudget` (down only).
  ///
  /// The native size is kept exactly when nothing needs scaling; any scaled size is rounded to
  /// even numbers, as yuv420p encoders need.
  init(info: MediaInfo, longSide: Int?, pixelBudget: Int?, applyRotation: Bool) {
    rotation = applyRotation ? info.rotation : 0
    let sar = info.sampleAspectRatio.value > 0 ? info.sampleAspectRatio.value : 1
    let shownWidth = Double(info.width) * sar, shownHeight = Double(info.height)
    var scale = 1.0
    // A stream without a size (a text file named .png) is left as it is: nothing to scale, and
    // dividing by 0 would trap; reading it then finds no picture.
    let hasSize = shownWidth > 0 && shownHeight > 0
    if let longSide, hasSize { scale = Double(longSide) / max(shownWidth, shownHeight) }
    if let pixelBudget, hasSize {
      scale = min(scale, (Double(pixelBudget) / (shownWidth * shownHeight)).squareRoot())
    }
    if scale == 1 && sar == 1 {
      scaledWidth = info.width
      scaledHeight = info.height
    } else {
      scaledWidth = evenSize(shownWidth * scale)
      scaledHeight = evenSize(shownHeight * scale)
    }
  }
}

/// The nearest even size, at least 2 (rounding down on ties keeps within a pixel budget).
func evenSize(_ size: Double) -> Int { max(2, Int((size / 2).rounded(.toNearestOrEven)) * 2) }

/// Rotates a frame clockwise by 90, 180 or 270 degrees.
func rotated(_ frame: VideoFrame, clockwise degrees: Int) -> VideoFrame {
  guard degrees == 90 || degrees == 180 || degrees == 270 else { return frame }
  let w = frame.width, h = frame.height
  let (outW, outH) = degrees == 180 ? (w, h) : (h, w)
  var out = [UInt8](repeating: 0, count: frame.rgb.count)
  frame.rgb.withUnsafeBufferPointer { src in
    out.withUnsafeMutableBufferPointer { dst in
      for y in 0..<outH {
        for x in 0..<outW {
          // (sx, sy): the source pixel that lands on (x, y)
          let (sx, sy) =
            switch degrees {
            case 90: (y, h - 1 - x)
            case 180: (w - 1 - x, h - 1 - y)
            default: (w - 1 - y, x)
            }
          let s = (sy * w + sx) * 3, d = (y * outW + x) * 3
          dst[d] = src[s]
          dst[d + 1] = src[s + 1]
          dst[d + 2] = src[s + 2]
        }
      }
    }
  }
  return VideoFrame(width: outW, height: outH, rgb: out, time: frame.time)
}
