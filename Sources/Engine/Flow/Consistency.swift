import Foundation

/// Reliability weights c in [0, 1] for warping the other frame into this one.
///
/// The test of Ruder, Dosovitskiy & Brox 2016. `flow` goes from this frame to the other one
/// (for frame i: the backward flow w, i -> i-1) and `reverse` from the other frame back (the
/// forward flow w^, i-1 -> i). Pixel a gets c = 0 if
///  - occluded: |w(a) + w^(a + w(a))|^2 >= 0.01 (|w(a)|^2 + |w^(a + w(a))|^2) + 0.5,
///  - on a motion boundary: |grad u|^2 + |grad v|^2 > 0.01 |w(a)|^2 + 0.002, or
///  - its source a + w(a) is outside the frame,
/// and c = 1 elsewhere; the map is then blurred with a Gaussian (sigma 0.8) and clipped to [0, 1].
/// - Returns: (H, W) row-major weights.
package func consistencyWeights(flow: FlowField, reverse: FlowField) -> [Float] {
  let reliable = inconsistencies(flow: flow, reverse: reverse, motionBoundaries: true)
    .map { $0 ? Float(0) : 1 }
  let plane = gaussianBlur(
    Plane(width: flow.width, height: flow.height, values: reliable), sigma: 0.8)
  return plane.values.map { min(max($0, 0), 1) }
}

/// Pixels failing the forward-backward test or whose source is outside the frame, (H, W).
///
/// The occlusion mask of Lai et al. 2018's warping error: the same test as `consistencyWeights`
/// without the motion-boundary criterion and without smoothing.
func occlusionMask(flow: FlowField, reverse: FlowField) -> [Bool] {
  inconsistencies(flow: flow, reverse: reverse, motionBoundaries: false)
}

/// Combines long-term weights "closest first": c_j <- max(c_j - sum of c_k over closer k, 0).
///
/// `weights[0]` belongs to the nearest previous frame; sums use the uncombined weights, so each
/// pixel follows its nearest reliable past frame (Ruder et al. 2016, long-term consistency).
func closestFirst(_ weights: [[Float]]) -> [[Float]] {
  guard let count = weights.first?.count else { return [] }
  precondition(weights.allSatisfy { $0.count == count }, "closestFirst: weight maps differ in size")
  var closer = [Float](repeating: 0, count: count)
  var result: [[Float]] = []
  for map in weights {
    result.append((0..<count).map { max(map[$0] - closer[$0], 0) })
    for index in 0..<count { closer[index] += map[index] }
  }
  return result
}

/// The three criteria of `consistencyWeights`, before smoothing; true means unreliable.
// flow, reverse (H, W); output (H, W)
func inconsistencies(flow: FlowField, reverse: FlowField, motionBoundaries: Bool) -> [Bool] {
  precondition(
    flow.width == reverse.width && flow.height == reverse.height,
    "consistency: flows \(flow.width)x\(flow.height) and \(reverse.width)x\(reverse.height) differ")
  let (w, h) = (flow.width, flow.height)
  var result = [Bool](repeating: false, count: w * h)
  result.withUnsafeMutableBufferPointer { result in
    parallelChunks(0..<h, minimumChunk: 8) { rows in
      for y in rows {
        for x in 0..<w {
          let i = y * w + x
          let (u, v) = (flow.u[i], flow.v[i])
          let sx = Float(x) + u
          let sy = Float(y) + v
          if !(sx >= 0 && sx <= Float(w - 1) && sy >= 0 && sy <= Float(h - 1)) {
            result[i] = true
            continue
          }
          let back = reverse.sample(sx, sy)
          let (du, dv) = (u + back.u, v + back.v)
          let length2 = u * u + v * v
          if du * du + dv * dv >= 0.01 * (length2 + back.u * back.u + back.v * back.v) + 0.5 {
            result[i] = true
            continue
          }
          if motionBoundaries {
            // Central differences, one-sided at the borders.
            let (left, right) = (max(x - 1, 0), min(x + 1, w - 1))
            let (up, down) = (max(y - 1, 0), min(y + 1, h - 1))
            let columnScale = 1 / Float(max(right - left, 1))
            let rowScale = 1 / Float(max(down - up, 1))
            let ux = (flow.u[y * w + right] - flow.u[y * w + left]) * columnScale
            let vx = (flow.v[y * w + right] - flow.v[y * w + left]) * columnScale
            let uy = (flow.u[down * w + x] - flow.u[up * w + x]) * rowScale
            let vy = (flow.v[down * w + x] - flow.v[up * w + x]) * rowScale
            if ux * ux + uy * uy + vx * vx + vy * vy > 0.01 * length2 + 0.002 {
              result[i] = true
            }
          }
        }
      }
    }
  }
  return result
}
