import Foundation
import Video

/// A procedural "painting": brush strokes that follow a swirling flow.
///
/// 1. Flow: the curl of a fractal-noise potential ψ, v = (∂ψ/∂y, −∂ψ/∂x), plus two vortices.
///    A curl field has no sources or sinks, so streamlines swirl instead of bunching up.
/// 2. Paint: 4x4-pixel dabs of colour from a rich palette, chosen by a slow noise "region" map.
/// 3. Strokes: line-integral convolution, i.e. each pixel averages the dabs along its streamline,
///    which smears them into strokes; a bristle texture convolved the same way adds ridges.
struct Painting {
  let size: Int
  let potential = Noise(seed: 3)
  let dabs = Noise(seed: 11)
  let regions = Noise(seed: 5)

  let palette: [SIMD3<Float>] = [
    rgb(0x0B1E4A), rgb(0x1D4E89), rgb(0x2E86C1), rgb(0x48C9B0),
    rgb(0xF4D03F), rgb(0xF39C12), rgb(0xD35400), rgb(0xC0392B), rgb(0xFDFEFE),
  ]

  func render() -> VideoFrame {
    let n = size
    let flow = flowField()
    // dab colours (3x3 pixel cells) and bristle noise, sampled once per pixel
    var paint = [SIMD3<Float>](repeating: .zero, count: n * n)
    var bristle = [Float](repeating: 0, count: n * n)
    for y in 0..<n {
      for x in 0..<n {
        let region = regions.fractal(Float(x) / 170, Float(y) / 170, octaves: 3)
        let pick = region * Float(palette.count + 1) - 1 + (dabs.lattice(x / 4, y / 4) - 0.5) * 1.8
        let index = min(max(Int(pick.rounded()), 0), palette.count - 1)
        paint[y * n + x] = palette[index]
        bristle[y * n + x] =
          0.4 * dabs.lattice(x + 1000, y) + 0.6 * dabs.lattice(x / 5 + 2000, y / 5)
      }
    }
    var pixels = [UInt8](repeating: 0, count: n * n * 3)
    let steps = 22
    for y in 0..<n {
      for x in 0..<n {
        var color = paint[y * n + x], ridge = bristle[y * n + x], weight: Float = 1
        for direction in [Float(1), -1] {
          var p = SIMD2(Float(x) + 0.5, Float(y) + 0.5)
          for step in 1...steps {
            let v = flow.sample(p) * direction
            p += v
            let ix = Int(p.x), iy = Int(p.y)
            guard ix >= 0, iy >= 0, ix < n, iy < n else { break }
            let w = 1 - Float(step) / Float(steps + 1)  // taper: strokes fade at their ends
            color += paint[iy * n + ix] * w
            ridge += bristle[iy * n + ix] * w
            weight += w
          }
        }
        color /= weight
        ridge /= weight
        // LIC flattens the noise to ~0.5; stretch it back to get visible bristle ridges
        let shade = 0.8 + 1.6 * (ridge - 0.5)
        let (r, g, b) = bytes(color * shade)
        let p = (y * n + x) * 3
        pixels[p] = r
        pixels[p + 1] = g
        pixels[p + 2] = b
      }
    }
    return VideoFrame(width: n, height: n, rgb: pixels)
  }

  /// Unit-length flow directions on the pixel grid.
  private func flowField() -> FlowField {
    let n = size, scale: Float = 1 / 200, h: Float = 0.5
    var field = [SIMD2<Float>](repeating: .zero, count: n * n)
    let vortices: [(SIMD2<Float>, Float)] = [
      (SIMD2(Float(n) * 0.32, Float(n) * 0.38), 1), (SIMD2(Float(n) * 0.7, Float(n) * 0.68), -1),
    ]
    for y in 0..<n {
      for x in 0..<n {
        func psi(_ px: Float, _ py: Float) -> Float {
          var value = potential.fractal(px * scale, py * scale, octaves: 2) * 60
          for (centre, spin) in vortices {
            let d = SIMD2(px, py) - centre
            value += spin * 25 * exp(-d.squaredLength() / Float(n * n) * 14)
          }
          return value
        }
        let fx = Float(x), fy = Float(y)
        let dx = (psi(fx + h, fy) - psi(fx - h, fy)) / (2 * h)
        let dy = (psi(fx, fy + h) - psi(fx, fy - h)) / (2 * h)
        let v = SIMD2(dy, -dx)
        let length = (v.squaredLength()).squareRoot()
        field[y * n + x] = length > 1e-6 ? v / length : SIMD2(1, 0)
      }
    }
    return FlowField(size: n, vectors: field)
  }
}

/// Flow vectors on a grid, looked up at the nearest grid point.
struct FlowField {
  let size: Int
  let vectors: [SIMD2<Float>]

  func sample(_ p: SIMD2<Float>) -> SIMD2<Float> {
    let x = min(max(Int(p.x), 0), size - 1), y = min(max(Int(p.y), 0), size - 1)
    return vectors[y * size + x]
  }
}
