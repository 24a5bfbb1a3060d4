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
  public init(width: Int, height: Int) {
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
  func endPointError(to truth: FlowField, where mask: [Bool]? = nil) -> Float {
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
