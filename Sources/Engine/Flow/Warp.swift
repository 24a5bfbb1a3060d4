/// Backward warping: `warped[c, y, x] = image[c, y + v(x, y), x + u(x, y)]`, bilinear.
///
/// To bring frame i-1 (or its stylisation) into frame i, pass the flow from frame i to frame i-1.
/// Sources outside the frame take the nearest border value and are flagged in `outside`
/// (Ruder et al. 2016 then fill them, e.g. with the mean pixel, and give them zero weight).
/// - Parameters:
///   - image: (C, H, W), any channel count.
///   - flow: (H, W), from the output frame to `image`'s frame.
/// - Returns: the warped image (C, H, W) and, per pixel (H, W) row-major, whether its source
///   x + u, y + v lies outside [0, W-1] x [0, H-1].
package func warp(_ image: Tensor, by flow: FlowField) -> (image: Tensor, outside: [Bool]) {
  precondition(image.shape.count == 3, "warp: expected a (C, H, W) image, got \(image.shape)")
  let (channels, h, w) = (image.shape[0], image.shape[1], image.shape[2])
  precondition(
    flow.width == w && flow.height == h,
    "warp: flow \(flow.width)x\(flow.height) does not match image \(w)x\(h)")
  var output = [Float](repeating: 0, count: image.count)
  var outside = [Bool](repeating: false, count: w * h)
  // image (C, H, W); flow u, v (H, W); output (C, H, W); outside (H, W)
  image.scalars.withUnsafeBufferPointer { input in
    output.withUnsafeMutableBufferPointer { output in
      outside.withUnsafeMutableBufferPointer { outside in
        parallelChunks(0..<h, minimumChunk: 8) { rows in
          for y in rows {
            for x in 0..<w {
              let i = y * w + x
              let sx = Float(x) + flow.u[i]
              let sy = Float(y) + flow.v[i]
              outside[i] = !(sx >= 0 && sx <= Float(w - 1) && sy >= 0 && sy <= Float(h - 1))
              for c in 0..<channels {
                let plane = UnsafeBufferPointer(rebasing: input[(c * h * w)..<((c + 1) * h * w)])
                output[c * h * w + i] = bilinear(plane, w, h, sx, sy)
              }
            }
          }
        }
      }
    }
  }
  return (Tensor(shape: image.shape, scalars: output), outside)
}

extension FlowField {
  /// The flow sampled at a real position (bilinear, clamped to the frame).
  func sample(_ x: Float, _ y: Float) -> (u: Float, v: Float) {
    u.withUnsafeBufferPointer { u in
      v.withUnsafeBufferPointer { v in
        (bilinear(u, width, height, x, y), bilinear(v, width, height, x, y))
      }
    }
  }
}
