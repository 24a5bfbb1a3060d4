/// A dense displacement field between two frames of the same size.
///
/// Pixel (x, y) of the first frame moves to (x + u, y + v) in the second; `u` and `v` are in
/// pixels, each (H, W) row-major. In a Middlebury file a component above 1e9 means "unknown".
public struct FlowField: Sendable, Equatable {
  /// The number of columns (W).
  public let width: Int
  /// The number of rows (H).
  public let height: Int
  /// Horizontal displacements in pixels, (H, W) row-major; positive is rightwards.
  public var u: [Float]
  /// Vertical displacements in pixels, (H, W) row-major; positive is downwards.
  public var v: [Float]

  /// Creates a flow field from its two components, each (H, W) row-major.
  public init(width: Int, height: Int, u: [Float], v: [Float]) {
    precondition(width >= 0 && height >= 0, "FlowField size \(width)x\(height) is negative")
    precondition(
      u.count == width * height && v.count == width * height,
      "FlowField \(width)x\(height) needs \(width * height) values per component")
    self.width = width
    self.height = height
    self.u = u
    self.v = v
  }

  /// Creates a field of zero displacement.
  package init(width: Int, height: Int) {
    self.init(
      width: width, height: height,
      u: [Float](repeating: 0, count: width * height),
      v: [Float](repeating: 0, count: width * height))
  }

  /// Whether the value at `index` (row-major) is known: Middlebury marks unknown with > 1e9.
  func isKnown(_ index: Int) -> Bool {
    abs(u[index]) <= 1e9 && abs(v[index]) <= 1e9 && u[index].isFinite && v[index].isFinite
  }

  /// Mean end-point error against `truth` over the pixels where `mask` is true (all if nil).
  package func endPointError(to truth: FlowField, where mask: [Bool]? = nil) -> Float {
    precondition(truth.width == width && truth.height == height, "endPointError: size mismatch")
    var sum = 0.0
    var count = 0
    for index in 0..<(width * height) where mask?[index] ?? true {
      let du = Double(u[index] - truth.u[index])
      let dv = Double(v[index] - truth.v[index])
      sum += (du * du + dv * dv).squareRoot()
      count += 1
    }
    return count == 0 ? 0 : Float(sum / Double(count))
  }
}

extension FlowField {
  /// The field resampled to `width` x `height`, its vectors scaled by the size ratios.
  ///
  /// Bilinear with pixel centres at +0.5 and edges clamped; an output pixel whose taps include an
  /// unknown value (> 1e9) is unknown (Middlebury's 1e10). Equal sizes return the field unchanged.
  /// Use it to bring a flow computed at one resolution to frames at another.
  public func resized(width newWidth: Int, height newHeight: Int) -> FlowField {
    precondition(newWidth > 0 && newHeight > 0, "cannot resize a flow to \(newWidth)x\(newHeight)")
    guard newWidth != width || newHeight != height else { return self }
    let (scaleX, scaleY) = (Float(newWidth) / Float(width), Float(newHeight) / Float(height))
    var result = FlowField(width: newWidth, height: newHeight)
    // u, v (H, W) -> (H', W'); source position of output pixel centre x': (x' + 0.5) W/W' - 0.5
    for y in 0..<newHeight {
      let sy = min(max((Float(y) + 0.5) / scaleY - 0.5, 0), Float(height - 1))
      let (y0, fy) = (Int(sy), sy - Float(Int(sy)))
      let y1 = min(y0 + 1, height - 1)
      for x in 0..<newWidth {
        let sx = min(max((Float(x) + 0.5) / scaleX - 0.5, 0), Float(width - 1))
        let (x0, fx) = (Int(sx), sx - Float(Int(sx)))
        let x1 = min(x0 + 1, width - 1)
        let taps = [
          (y0 * width + x0, (1 - fx) * (1 - fy)), (y0 * width + x1, fx * (1 - fy)),
          (y1 * width + x0, (1 - fx) * fy), (y1 * width + x1, fx * fy),
        ]
        let output = y * newWidth + x
        if taps.contains(where: { $0.1 > 0 && !isKnown($0.0) }) {
          (result.u[output], result.v[output]) = (1e10, 1e10)
          continue
        }
        var (u, v): (Float, Float) = (0, 0)
        for (index, weight) in taps where weight > 0 {
          u += weight * self.u[index]
          v += weight * self.v[index]
        }
        (result.u[output], result.v[output]) = (u * scaleX, v * scaleY)
      }
    }
    return result
  }

  /// Sets unknown values (> 1e9 or not finite) to zero; returns which pixels were unknown.
  mutating func replacingUnknownByZero() -> [Bool] {
    var unknown = [Bool](repeating: false, count: width * height)
    for index in 0..<(width * height) where !isKnown(index) {
      unknown[index] = true
      (u[index], v[index]) = (0, 0)
    }
    return unknown
  }
}
