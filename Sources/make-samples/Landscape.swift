import Foundation
import Video

/// A procedural landscape seen by a camera that pans right and slowly zooms in.
///
/// Layers, back to front: sky gradient with a sun and drifting cloud bands, three ranges of
/// fractal hills (farther ranges move less: parallax, and fade into the sky: aerial perspective),
/// a hot-air balloon crossing the frame in front of the far ranges, and a near meadow with trees.
struct Landscape {
  let width: Int
  let height: Int
  let noise = Noise(seed: 7)
  let texture = Noise(seed: 99)

  /// One range of hills: how far (parallax factor), where its ridge sits, and its colour.
  struct Range {
    let depth: Float  // 0 = at the camera, 1 = at infinity
    let base: Float  // ridge height as a fraction of the frame, from the top
    let amplitude: Float
    let frequency: Float
    let color: SIMD3<Float>
    let seed: Float
  }

  let ranges = [
    Range(depth: 0.85, base: 0.42, amplitude: 0.22, frequency: 2.2, color: rgb(0x6F7FA8), seed: 0),
    Range(depth: 0.6, base: 0.55, amplitude: 0.18, frequency: 3.0, color: rgb(0x4F7A5A), seed: 40),
    Range(depth: 0.3, base: 0.68, amplitude: 0.14, frequency: 4.0, color: rgb(0x3E6B2F), seed: 80),
    Range(depth: 0.0, base: 0.84, amplitude: 0.08, frequency: 5.5, color: rgb(0x6E8F2A), seed: 120),
  ]

  /// The frame at `time` seconds of a clip lasting `duration` seconds.
  func frame(at time: Double, duration: Double) -> VideoFrame {
    let progress = Float(time / duration)
    let pan = 0.25 * progress  // camera position, in frame widths
    let zoom = 1 + 0.12 * progress
    let aspect = Float(width) / Float(height)
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for py in 0..<height {
      for px in 0..<width {
        // screen point around the centre, zoomed: u across (in frame heights), v down (0 top, 1 bottom)
        let u = (Float(px) / Float(width) - 0.5) * aspect / zoom
        let v = (Float(py) / Float(height) - 0.5) / zoom + 0.5
        let color = shade(u: u, v: v, pan: pan, time: Float(time))
        let (r, g, b) = bytes(color)
        let p = (py * width + px) * 3
        pixels[p] = r
        pixels[p + 1] = g
        pixels[p + 2] = b
      }
    }
    return VideoFrame(width: width, height: height, rgb: pixels, time: time)
  }

  /// Colour of the nearest thing at screen point (u, v).
  private func shade(u: Float, v: Float, pan: Float, time: Float) -> SIMD3<Float> {
    let sky = skyColor(u: u + pan * 0.05, v: v, time: time)
    // front to back: the first surface the ray hits wins
    for (index, range) in ranges.enumerated().reversed() {
      let x = u + pan * (1 - range.depth) * 2.5 + range.seed
      let ridge =
        range.base - range.amplitude
        * (noise.fractal(x * range.frequency, range.seed, octaves: 6) - 0.5) * 2
      if index == 1, let balloon = balloon(u: u, v: v, time: time) { return balloon }
      if v >= ridge { return ground(range, x: x, v: v, ridge: ridge, sky: sky, near: index == 3) }
    }
    return sky
  }

  private func skyColor(u: Float, v: Float, time: Float) -> SIMD3<Float> {
    var color = mix(rgb(0x2C5FA8), rgb(0xF3C98B), v * 1.4)  // deep blue overhead, warm at the horizon
    let sun = SIMD2<Float>(0.35, 0.22), d = ((SIMD2(u, v) - sun) * SIMD2(1, 1)).squaredLength()
    color = mix(color, rgb(0xFFF4D6), 0.0025 / (d + 0.0025))
    let cloud = texture.fractal(u * 3 + time * 0.05, v * 9, octaves: 5)
    return mix(color, rgb(0xFFFFFF), max(0, cloud - 0.55) * 2.2 * (1 - v))
  }

  private func ground(
    _ range: Range, x: Float, v: Float, ridge: Float, sky: SIMD3<Float>, near: Bool
  ) -> SIMD3<Float> {
    let below = v - ridge
    let grain = texture.fractal(x * 40, v * 40 / (1.2 - range.depth), octaves: 4)
    var color = range.color * (0.75 + 0.5 * grain) * (1 - 0.35 * min(1, below * 4))
    if near {
      // a meadow with flowers and trees whose trunks stand on the ridge line
      let flower = texture.lattice(Int(x * 300), Int(v * 300))
      if flower > 0.985 {
        color = mix(rgb(0xF2D64B), rgb(0xE0507A), texture.lattice(Int(x * 300), 7))
      }
      let cell = Int((x * 14).rounded(.down)), local = x * 14 - Float(cell)
      if noise.lattice(cell, 3) > 0.55 {
        let crown = 0.1 + 0.05 * noise.lattice(cell, 4)
        let dx = (local - 0.5) / 0.5, dy = (v - (ridge - crown * 0.6)) / crown
        if dx * dx + dy * dy < 0.8 * texture.value(x * 200, v * 200) + 0.4 {
          return rgb(0x24461C) * (0.7 + 0.6 * grain)
        }
      }
    }
    return mix(color, sky, range.depth * range.depth * 0.8)  // aerial perspective
  }

  /// A striped balloon drifting right and up; `nil` where the balloon isn't.
  private func balloon(u: Float, v: Float, time: Float) -> SIMD3<Float>? {
    let centre = SIMD2<Float>(-0.55 + 0.28 * time, 0.36 - 0.03 * time)
    let radius: Float = 0.085
    let d = SIMD2(u, v) - centre
    if (d / SIMD2(radius, radius * 1.15)).squaredLength() < 1 {
      let stripe = Int(((atan2(d.y, d.x * 1.6) / .pi + 1) * 4).rounded(.down)) % 2
      let light = 1 - 0.5 * max(0, (d.x + d.y) / radius)
      return (stripe == 0 ? rgb(0xD7263D) : rgb(0xF4B942)) * light
    }
    let basket = SIMD2(d.x / 0.022, (d.y - radius * 1.45) / 0.02)
    if abs(basket.x) < 1 && abs(basket.y) < 1 { return rgb(0x6B4226) }
    let rope =
      d.y > radius && d.y < radius * 1.35 && abs(abs(d.x) - 0.018 * (1.35 - d.y / radius)) < 0.0025
    return rope ? rgb(0x3B2A1A) : nil
  }
}

extension SIMD2 where Scalar == Float {
  func squaredLength() -> Float { x * x + y * y }
}
