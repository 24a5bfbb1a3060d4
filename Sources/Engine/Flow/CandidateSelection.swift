import Foundation

/// Where the flow changes fast, replaces each pixel's flow by the best of its neighbours' flows.
///
/// A linearised data term only sees a few pixels around the current flow, so near a motion
/// boundary a pixel that inherits the wrong layer's flow from the coarser level cannot leave it.
/// This step compares, by the L1 colour difference over the 3x3 patch, the pixel's flow with the
/// flows `reach` pixels away in 8 directions, and keeps the best (in the spirit of PatchMatch
/// propagation, Barnes et al. 2009); smooth regions are left untouched.
// i0, i1 (H, W); u, v (H, W) in pixels, updated in place
func selectNeighbourFlows(from i0: Plane, to i1: Plane, u: inout Plane, v: inout Plane, reach: Int)
{
  let (w, h) = (i0.width, i0.height)
  guard w > 2 * reach, h > 2 * reach else { return }
  let offsets = [
    (reach, 0), (-reach, 0), (0, reach), (0, -reach),
    (reach, reach), (-reach, -reach), (reach, -reach), (-reach, reach),
  ]
  var newU = u
  var newV = v
  let (oldU, oldV) = (u.values, v.values)
  i0.values.withUnsafeBufferPointer { first in
    i1.values.withUnsafeBufferPointer { second in
      newU.values.withUnsafeMutableBufferPointer { newU in
        newV.values.withUnsafeMutableBufferPointer { newV in
          parallelChunks(1..<(h - 1), minimumChunk: 8) { rows in
            for y in rows {
              for x in 1..<(w - 1) {
                let i = y * w + x
                // Cost of a flow: sum over the 3x3 patch of |I1(q + flow) - I0(q)|.
                func cost(_ fu: Float, _ fv: Float) -> Float {
                  var total: Float = 0
                  for dy in -1...1 {
                    for dx in -1...1 {
                      let sx = Float(x + dx) + fu
                      let sy = Float(y + dy) + fv
                      if sx < 0 || sx > Float(w - 1) || sy < 0 || sy > Float(h - 1) {
                        total += 255  // a match outside the frame costs a full-range miss
                      } else {
                        total += abs(bilinear(second, w, h, sx, sy) - first[(y + dy) * w + x + dx])
                      }
                    }
                  }
                  return total
                }
                var best = (oldU[i], oldV[i])
                var bestCost = Float.infinity
                for (ox, oy) in offsets {
                  let (qx, qy) = (x + ox, y + oy)
                  guard qx >= 0, qx < w, qy >= 0, qy < h else { continue }
                  let q = qy * w + qx
                  let (du, dv) = (oldU[q] - oldU[i], oldV[q] - oldV[i])
                  // Only flows at least half a pixel away from this one are worth a look.
                  guard du * du + dv * dv > 0.25 else { continue }
                  if bestCost == .infinity { bestCost = cost(oldU[i], oldV[i]) }
                  let candidateCost = cost(oldU[q], oldV[q])
                  if candidateCost < bestCost {
                    (best, bestCost) = ((oldU[q], oldV[q]), candidateCost)
                  }
                }
                (newU[i], newV[i]) = best
              }
            }
          }
        }
      }
    }
  }
  (u, v) = (newU, newV)
}
