import Foundation

extension OpticalFlow {
  /// Improves the flow (u, v) at one pyramid level: warps, then primal-dual TV-L1 iterations.
  ///
  /// For each warp, I1 and its gradient are sampled at x + w0 (bicubic) and the data term is
  /// linearised: rho(w) = I1(x + w0) + grad I1 . (w - w0) - I0(x). Each iteration then
  /// (1) thresholds rho point-wise to get the data step v, sets u = v + theta div p, and
  /// (2) updates the duals p = (p + tau/theta grad u) / (1 + tau/theta |grad u|)
  /// (Zach, Pock & Bischof 2007, eqs. 10-12; Chambolle 2004 for the dual step).
  // i0, i1 (H, W) on 0...255; u, v (H, W) in pixels, updated in place
  func refine(from i0: Plane, to i1: Plane, u: inout Plane, v: inout Plane) {
    let (w, h) = (i0.width, i0.height)
    let n = w * h
    let (i1x, i1y) = centralGradient(i1)
    let lambdaTheta = configuration.dataWeight * configuration.coupling
    let theta = configuration.coupling
    let tauOverTheta = configuration.timeStep / configuration.coupling
    // Linearised data term per pixel: warped gradient, its squared norm, constant part of rho.
    var gx = [Float](repeating: 0, count: n)
    var gy = [Float](repeating: 0, count: n)
    var gradient2 = [Float](repeating: 0, count: n)
    var rhoConstant = [Float](repeating: 0, count: n)
    // Dual variables of TV(u) and TV(v): (p11, p12) and (p21, p22).
    var p11 = [Float](repeating: 0, count: n)
    var p12 = p11
    var p21 = p11
    var p22 = p11

    for _ in 0..<configuration.warps {
      i0.values.withUnsafeBufferPointer { i0 in
        i1.values.withUnsafeBufferPointer { i1 in
          i1x.values.withUnsafeBufferPointer { i1x in
            i1y.values.withUnsafeBufferPointer { i1y in
              u.values.withUnsafeBufferPointer { u in
                v.values.withUnsafeBufferPointer { v in
                  gx.withUnsafeMutableBufferPointer { gx in
                    gy.withUnsafeMutableBufferPointer { gy in
                      gradient2.withUnsafeMutableBufferPointer { gradient2 in
                        rhoConstant.withUnsafeMutableBufferPointer { rhoConstant in
                          parallelChunks(0..<h, minimumChunk: 8) { rows in
                            for y in rows {
                              for x in 0..<w {
                                let i = y * w + x
                                let sx = Float(x) + u[i]
                                let sy = Float(y) + v[i]
                                guard sx >= 0, sx <= Float(w - 1), sy >= 0, sy <= Float(h - 1) else {
                                  // Match outside the frame: no data term here.
                                  gx[i] = 0
                                  gy[i] = 0
                                  gradient2[i] = 0
                                  rhoConstant[i] = 0
                                  continue
                                }
                                let x0 = Int(sx)
                                let y0 = Int(sy)
                                let wxs = cubicWeights(sx - Float(x0))
                                let wys = cubicWeights(sy - Float(y0))
                                let columns = (
                                  max(x0 - 1, 0), x0, min(x0 + 1, w - 1), min(x0 + 2, w - 1)
                                )
                                var value: Float = 0
                                var dx: Float = 0
                                var dy: Float = 0
                                for (k, wy) in [wys.0, wys.1, wys.2, wys.3].enumerated() {
                                  let row = min(max(y0 - 1 + k, 0), h - 1) * w
                                  let a = row + columns.0
                                  let b = row + columns.1
                                  let c = row + columns.2
                                  let d = row + columns.3
                                  value +=
                                    wy * (wxs.0 * i1[a] + wxs.1 * i1[b] + wxs.2 * i1[c] + wxs.3 * i1[d])
                                  dx +=
                                    wy * (wxs.0 * i1x[a] + wxs.1 * i1x[b] + wxs.2 * i1x[c] + wxs.3 * i1x[d])
                                  dy +=
                                    wy * (wxs.0 * i1y[a] + wxs.1 * i1y[b] + wxs.2 * i1y[c] + wxs.3 * i1y[d])
                                }
                                gx[i] = dx
                                gy[i] = dy
                                gradient2[i] = dx * dx + dy * dy
                                rhoConstant[i] = value - dx * u[i] - dy * v[i] - i0[i]
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }

      for _ in 0..<configuration.iterations {
        // (1) Primal step: threshold the linearised data term, then add theta div p.
        gx.withUnsafeBufferPointer { gx in
          gy.withUnsafeBufferPointer { gy in
            gradient2.withUnsafeBufferPointer { gradient2 in
              rhoConstant.withUnsafeBufferPointer { rhoConstant in
                p11.withUnsafeBufferPointer { p11 in
                  p12.withUnsafeBufferPointer { p12 in
                    p21.withUnsafeBufferPointer { p21 in
                      p22.withUnsafeBufferPointer { p22 in
                        u.values.withUnsafeMutableBufferPointer { u in
                          v.values.withUnsafeMutableBufferPointer { v in
                            parallelChunks(0..<h, minimumChunk: 8) { rows in
                              for y in rows {
                                for x in 0..<w {
                                  let i = y * w + x
                                  let g2 = gradient2[i]
                                  let rho = rhoConstant[i] + gx[i] * u[i] + gy[i] * v[i]
                                  var step: Float
                                  if rho < -lambdaTheta * g2 {
                                    step = lambdaTheta
                                  } else if rho > lambdaTheta * g2 {
                                    step = -lambdaTheta
                                  } else if g2 > 1e-10 {
                                    step = -rho / g2
                                  } else {
                                    step = 0
                                  }
                                  // div p: backward differences, p = 0 outside the frame.
                                  var div1 = p11[i] + p12[i]
                                  var div2 = p21[i] + p22[i]
                                  if x > 0 {
                                    div1 -= p11[i - 1]
                                    div2 -= p21[i - 1]
                                  }
                                  if y > 0 {
                                    div1 -= p12[i - w]
                                    div2 -= p22[i - w]
                                  }
                                  u[i] += step * gx[i] + theta * div1
                                  v[i] += step * gy[i] + theta * div2
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
        // (2) Dual step: forward differences of u and v (zero on the last row and column).
        u.values.withUnsafeBufferPointer { u in
          v.values.withUnsafeBufferPointer { v in
            p11.withUnsafeMutableBufferPointer { p11 in
              p12.withUnsafeMutableBufferPointer { p12 in
                p21.withUnsafeMutableBufferPointer { p21 in
                  p22.withUnsafeMutableBufferPointer { p22 in
                    parallelChunks(0..<h, minimumChunk: 8) { rows in
                      for y in rows {
                        for x in 0..<w {
                          let i = y * w + x
                          let ux = x < w - 1 ? u[i + 1] - u[i] : 0
                          let uy = y < h - 1 ? u[i + w] - u[i] : 0
                          let vx = x < w - 1 ? v[i + 1] - v[i] : 0
                          let vy = y < h - 1 ? v[i + w] - v[i] : 0
                          let nu = 1 + tauOverTheta * (ux * ux + uy * uy).squareRoot()
                          let nv = 1 + tauOverTheta * (vx * vx + vy * vy).squareRoot()
                          p11[i] = (p11[i] + tauOverTheta * ux) / nu
                          p12[i] = (p12[i] + tauOverTheta * uy) / nu
                          p21[i] = (p21[i] + tauOverTheta * vx) / nv
                          p22[i] = (p22[i] + tauOverTheta * vy) / nv
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      if configuration.medianRadius > 0 {
        u = medianFiltered(u, radius: configuration.medianRadius)
        v = medianFiltered(v, radius: configuration.medianRadius)
      }
    }
  }
}
