import Foundation

extension OpticalFlow {
  /// Improves the flow (u, v) at one pyramid level: warps, then primal-dual TV-L1 iterations.
  ///
  /// For each warp, I1 and its gradient are sampled at x + w0 (bicubic) and the data term is
  /// linearised: rho(w) = I1(x + w0) + grad I1 . (w - w0) - I0(x). Each iteration then
  /// (1) thresholds rho point-wise to get the data step v, sets u = v + theta div p, and
  /// (2) updates the duals p = (p + tau/theta grad u) / (1 + tau/theta |grad u|)
  /// (Zach, Pock & Bischof 2007, eqs. 10-12; Chambolle 2004 for the dual step).
  // i0, i1 (H, W) standardised to 128 +- 50; u, v (H, W) in pixels, updated in place
  func refine(from i0: Plane, to i1: Plane, u: inout Plane, v: inout Plane) {
    let level = TVL1Level(u: u, v: v)
    let (i1x, i1y) = centralGradient(i1)
    for _ in 0..<configuration.warps {
      level.linearise(
        i0: i0, i1: i1, i1x: i1x, i1y: i1y,
        compensatesBrightness: configuration.compensatesBrightness)
      for _ in 0..<configuration.iterations {
        level.primalStep(
          lambdaTheta: configuration.dataWeight * configuration.coupling,
          theta: configuration.coupling)
        level.dualStep(tauOverTheta: configuration.timeStep / configuration.coupling)
      }
      if configuration.medianRadius > 0 {
        level.medianFilterFlow(radius: configuration.medianRadius)
      }
    }
    (u, v) = level.flow
  }
}

/// The working set of the TV-L1 solver at one pyramid level, allocated once and freed by deinit.
///
/// Every array is (H, W) row-major. The kernels split rows over the cores; each writes only its
/// own rows, reading neighbours only of arrays that the same kernel does not write.
final class TVL1Level {
  let width: Int
  let height: Int
  /// The flow being estimated, in pixels.
  private let u, v: UnsafeMutableBufferPointer<Float>
  /// Linearised data term: warped gradient of I1, its squared norm, and the constant part of rho.
  private let gx, gy, gradient2, rhoConstant: UnsafeMutableBufferPointer<Float>
  /// I1(x + w0), or NaN where x + w0 is outside the frame.
  private let warped: UnsafeMutableBufferPointer<Float>
  /// Dual variables of TV(u), (p11, p12), and of TV(v), (p21, p22).
  private let p11, p12, p21, p22: UnsafeMutableBufferPointer<Float>

  init(u: Plane, v: Plane) {
    (width, height) = (u.width, u.height)
    func buffer(_ values: [Float]? = nil) -> UnsafeMutableBufferPointer<Float> {
      let pointer = UnsafeMutableBufferPointer<Float>.allocate(capacity: u.values.count)
      if let values {
        _ = pointer.initialize(from: values)
      } else {
        pointer.initialize(repeating: 0)
      }
      return pointer
    }
    (self.u, self.v) = (buffer(u.values), buffer(v.values))
    (gx, gy, gradient2, rhoConstant) = (buffer(), buffer(), buffer(), buffer())
    warped = buffer()
    (p11, p12, p21, p22) = (buffer(), buffer(), buffer(), buffer())
  }

  deinit {
    for pointer in [u, v, gx, gy, gradient2, rhoConstant, warped, p11, p12, p21, p22] {
      pointer.deallocate()
    }
  }

  /// The current flow as two planes.
  var flow: (u: Plane, v: Plane) {
    (
      Plane(width: width, height: height, values: Array(u)),
      Plane(width: width, height: height, values: Array(v))
    )
  }

  /// Samples I1 and grad I1 at x + w0 (bicubic, Keys 1981) and stores the linearised data term.
  ///
  /// A pixel whose match falls outside the frame gets no data term. With `compensatesBrightness`,
  /// I1 is first mapped by the gain and offset that give the warped I1 the mean and standard
  /// deviation of I0 over the matched pixels (moments, not a regression, which a poor initial
  /// alignment would shrink towards zero gain).
  // i0, i1, i1x, i1y (H, W); writes warped, gx, gy, gradient2, rhoConstant (H, W)
  func linearise(i0: Plane, i1: Plane, i1x: Plane, i1y: Plane, compensatesBrightness: Bool) {
    let (w, h) = (width, height)
    let (i1, i1x, i1y) = (i1.values, i1x.values, i1y.values)
    parallelChunks(0..<h, minimumChunk: 8) { rows in
      for y in rows {
        for x in 0..<w {
          let i = y * w + x
          let sx = Float(x) + u[i]
          let sy = Float(y) + v[i]
          guard sx >= 0, sx <= Float(w - 1), sy >= 0, sy <= Float(h - 1) else {
            (warped[i], gx[i], gy[i]) = (.nan, 0, 0)
            continue
          }
          let (x0, y0) = (Int(sx), Int(sy))
          let wx = cubicWeights(sx - Float(x0))
          let wy = cubicWeights(sy - Float(y0))
          let taps = (max(x0 - 1, 0), x0, min(x0 + 1, w - 1), min(x0 + 2, w - 1))
          var (value, dx, dy): (Float, Float, Float) = (0, 0, 0)
          func accumulate(_ k: Int, _ weight: Float) {
            let row = min(max(y0 - 1 + k, 0), h - 1) * w
            let (a, b, c, d) = (row + taps.0, row + taps.1, row + taps.2, row + taps.3)
            value += weight * (wx.0 * i1[a] + wx.1 * i1[b] + wx.2 * i1[c] + wx.3 * i1[d])
            dx += weight * (wx.0 * i1x[a] + wx.1 * i1x[b] + wx.2 * i1x[c] + wx.3 * i1x[d])
            dy += weight * (wx.0 * i1y[a] + wx.1 * i1y[b] + wx.2 * i1y[c] + wx.3 * i1y[d])
          }
          accumulate(0, wy.0)
          accumulate(1, wy.1)
          accumulate(2, wy.2)
          accumulate(3, wy.3)
          (warped[i], gx[i], gy[i]) = (value, dx, dy)
        }
      }
    }
    let (gain, offset) = compensatesBrightness ? brightnessMatch(i0.values) : (1, 0)
    parallelChunks(0..<h, minimumChunk: 8) { rows in
      for i in (rows.lowerBound * w)..<(rows.upperBound * w) {
        guard !warped[i].isNaN else {
          (gradient2[i], rhoConstant[i]) = (0, 0)
          continue
        }
        let (dx, dy) = (gain * gx[i], gain * gy[i])
        (gx[i], gy[i], gradient2[i]) = (dx, dy, dx * dx + dy * dy)
        rhoConstant[i] = gain * warped[i] + offset - dx * u[i] - dy * v[i] - i0.values[i]
      }
    }
  }

  /// The gain and offset that give `warped` the mean and standard deviation of `i0` over the
  /// pixels where `warped` is defined; (1, 0) if too few are.
  private func brightnessMatch(_ i0: [Float]) -> (gain: Float, offset: Float) {
    var (count, sum0, sum1, squares0, squares1) = (0.0, 0.0, 0.0, 0.0, 0.0)
    for i in 0..<warped.count where !warped[i].isNaN {
      let (a, b) = (Double(i0[i]), Double(warped[i]))
      (count, sum0, sum1) = (count + 1, sum0 + a, sum1 + b)
      (squares0, squares1) = (squares0 + a * a, squares1 + b * b)
    }
    guard count >= 16 else { return (1, 0) }
    let (mean0, mean1) = (sum0 / count, sum1 / count)
    let variance0 = max(squares0 / count - mean0 * mean0, 0)
    let variance1 = max(squares1 / count - mean1 * mean1, 0)
    guard variance1 > 1e-6 else { return (1, Float(mean0 - mean1)) }
    let gain = min(max((variance0 / variance1).squareRoot(), 0.5), 2)
    return (Float(gain), Float(mean0 - gain * mean1))
  }

  /// Primal step: the point-wise minimiser of the linearised L1 data term near u (the
  /// three-case threshold of Zach et al.), then u = v + theta div p with backward differences.
  // reads gx, gy, gradient2, rhoConstant, p (H, W); updates u, v (H, W)
  func primalStep(lambdaTheta: Float, theta: Float) {
    let (w, h) = (width, height)
    parallelChunks(0..<h, minimumChunk: 8) { rows in
      for y in rows {
        for x in 0..<w {
          let i = y * w + x
          let g2 = gradient2[i]
          let rho = rhoConstant[i] + gx[i] * u[i] + gy[i] * v[i]
          let step: Float
          if rho < -lambdaTheta * g2 {
            step = lambdaTheta
          } else if rho > lambdaTheta * g2 {
            step = -lambdaTheta
          } else {
            step = g2 > 1e-10 ? -rho / g2 : 0
          }
          // div p, with p = 0 outside the frame (the adjoint of the forward differences below).
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

  /// Dual step: p = (p + tau/theta grad u) / (1 + tau/theta |grad u|), forward differences that
  /// are zero on the last column and row.
  // reads u, v (H, W); updates p11, p12, p21, p22 (H, W)
  func dualStep(tauOverTheta: Float) {
    let (w, h) = (width, height)
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

  /// Replaces u and v by their medians over (2r+1)^2 windows (Wedel and colleagues, 2009).
  func medianFilterFlow(radius: Int) {
    let (current, currentV) = flow
    _ = u.update(from: medianFiltered(current, radius: radius).values)
    _ = v.update(from: medianFiltered(currentV, radius: radius).values)
  }
}
