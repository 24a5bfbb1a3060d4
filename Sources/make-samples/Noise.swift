/// Deterministic value noise and fractal sums of it: every sample is a pure function of its
/// coordinates and a seed, so the samples come out bit-identical on every run.
struct Noise {
  let seed: UInt32

  /// A pseudo-random value in 0..<1 for an integer lattice point (a small integer hash).
  func lattice(_ x: Int, _ y: Int) -> Float {
    var h =
      UInt32(truncatingIfNeeded: x &* 374_761_393 &+ y &* 668_265_263) &+ seed &* 2_654_435_761
    h = (h ^ (h >> 13)) &* 1_274_126_177
    h ^= h >> 16
    return Float(h & 0xFFFFFF) / Float(0x1000000)
  }

  /// Smoothly interpolated lattice values at a real point, in 0..<1.
  func value(_ x: Float, _ y: Float) -> Float {
    let ix = Int(x.rounded(.down)), iy = Int(y.rounded(.down))
    let fx = x - Float(ix), fy = y - Float(iy)
    let sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy)
    let top = lattice(ix, iy) + (lattice(ix + 1, iy) - lattice(ix, iy)) * sx
    let bottom = lattice(ix, iy + 1) + (lattice(ix + 1, iy + 1) - lattice(ix, iy + 1)) * sx
    return top + (bottom - top) * sy
  }

  /// Fractal Brownian motion: `octaves` layers, each twice the frequency and half the amplitude.
  /// The result is normalised to 0..<1.
  func fractal(_ x: Float, _ y: Float, octaves: Int = 5) -> Float {
    var sum: Float = 0, amplitude: Float = 1, frequency: Float = 1, total: Float = 0
    for octave in 0..<octaves {
      // offset each octave so lattice points of different octaves don't line up
      sum +=
        amplitude * value(x * frequency + Float(octave) * 17.3, y * frequency - Float(octave) * 9.1)
      total += amplitude
      amplitude *= 0.5
      frequency *= 2
    }
    return sum / total
  }
}

/// Linear interpolation between two colours (RGB, 0...1).
func mix(_ a: SIMD3<Float>, _ b: SIMD3<Float>, _ t: Float) -> SIMD3<Float> {
  a + (b - a) * min(max(t, 0), 1)
}

/// A colour from 0...1 components to bytes.
func bytes(_ color: SIMD3<Float>) -> (UInt8, UInt8, UInt8) {
  func byte(_ v: Float) -> UInt8 { UInt8(min(max(v, 0), 1) * 255 + 0.5) }
  return (byte(color.x), byte(color.y), byte(color.z))
}

/// A colour from a hex literal such as `0x1B3A6B`.
func rgb(_ hex: UInt32) -> SIMD3<Float> {
  SIMD3(Float((hex >> 16) & 255), Float((hex >> 8) & 255), Float(hex & 255)) / 255
}
