import Foundation

extension FlowField {
  /// The Middlebury colour coding of the field as packed RGB24, (H, W, 3) row-major.
  ///
  /// The colour wheel of Baker et al. 2011.
  /// Hue gives the direction on a 55-colour wheel (red, yellow, green, cyan, blue, magenta),
  /// saturation the length relative to `maximumMagnitude` (default: the largest known length);
  /// lengths beyond it are darkened to 75 %. Unknown values (> 1e9) are black.
  public func colorCoded(maximumMagnitude: Float? = nil) -> [UInt8] {
    let n = width * height
    var largest: Float = 0
    for index in 0..<n where isKnown(index) {
      largest = max(largest, (u[index] * u[index] + v[index] * v[index]).squareRoot())
    }
    let scale = maximumMagnitude ?? largest
    let wheel = Self.colorWheel
    var rgb = [UInt8](repeating: 0, count: 3 * n)
    for index in 0..<n where isKnown(index) {
      let (x, y) = scale > 0 ? (u[index] / scale, v[index] / scale) : (0, 0)
      let radius = (x * x + y * y).squareRoot()
      // Direction in [-1, 1] onto the wheel: right is red, down yellow, left cyan, up blue.
      let angle = atan2(-y, -x) / Float.pi
      let position = (angle + 1) / 2 * Float(wheel.count - 1)
      let k0 = Int(position)
      let k1 = (k0 + 1) % wheel.count
      let f = position - Float(k0)
      for channel in 0..<3 {
        var value = (1 - f) * wheel[k0][channel] + f * wheel[k1][channel]
        value = radius <= 1 ? 1 - radius * (1 - value) : value * 0.75
        rgb[3 * index + channel] = UInt8((255 * value).rounded())
      }
    }
    return rgb
  }

  /// Colours on [0, 1] around the wheel: segments of 15, 6, 4, 11, 13 and 6 steps.
  static let colorWheel: [[Float]] = {
    let segments: [(steps: Int, from: [Float], to: [Float])] = [
      (15, [1, 0, 0], [1, 1, 0]),
      (6, [1, 1, 0], [0, 1, 0]),
      (4, [0, 1, 0], [0, 1, 1]),
      (11, [0, 1, 1], [0, 0, 1]),
      (13, [0, 0, 1], [1, 0, 1]),
      (6, [1, 0, 1], [1, 0, 0]),
    ]
    var colors: [[Float]] = []
    for segment in segments {
      for step in 0..<segment.steps {
        let t = Float(step) / Float(segment.steps)
        colors.append((0..<3).map { segment.from[$0] + t * (segment.to[$0] - segment.from[$0]) })
      }
    }
    return colors
  }()
}
